package dev.ferry.daemon.process;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the JVM's default handling of a POSIX signal (which would exit with 128+signal) by a
 * callback, so SIGTERM and SIGINT can stop the daemon gracefully and exit 0. Uses
 * {@code sun.misc.Signal} reflectively (module jdk.unsupported), the one thin seam to it.
 */
public final class SignalTrap {
    private static final Logger LOG = LoggerFactory.getLogger(SignalTrap.class);

    private SignalTrap() {
    }

    /**
     * Runs {@code handler} on a JVM signal thread each time signal {@code name} (e.g. "TERM") arrives.
     *
     * @return false when signals cannot be trapped here (the JVM default stays: shutdown hooks run)
     */
    public static boolean install(String name, Runnable handler) {
        try {
            Class<?> signalType = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object signal = signalType.getConstructor(String.class).newInstance(name);
            InvocationHandler invocation = (proxy, method, args) -> {
                switch (method.getName()) {
                    case "handle":
                        handler.run();
                        return null;
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        return "SignalTrap[SIG" + name + "]";
                }
            };
            Object proxy = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType}, invocation);
            signalType.getMethod("handle", signalType, handlerType).invoke(null, signal, proxy);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("cannot trap SIG{} ({}); the JVM's default handling stays", name, e.toString());
            return false;
        }
    }
}
