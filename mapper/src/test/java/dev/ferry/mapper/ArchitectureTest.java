package dev.ferry.mapper;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The mapper module's package rules, checked against its main classes on every {@code mvn verify}.
 *
 * <p>Layers, bottom to top (a layer may use only layers below it, never one beside or above it):
 *
 * <pre>
 *   dev.ferry.mapper     DeviceMapper: wires target types, copier and registry
 *         |
 *       device           mapped devices, live/inactive tables, suspend/load/resume, the registry
 *         |
 *   table    mirror      tables of targets; the mirror target with its region logs and recovery
 *         |
 *   targets  copy        the plain targets and their registry; the copier
 *         |
 *   block    time        the block device interface and leaf devices; the injected scheduler
 *     |
 *   nativeio             jnr-ffi calls: used by block alone
 * </pre>
 */
@AnalyzeClasses(packages = "dev.ferry.mapper", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule mapper_does_not_depend_on_nbd_or_daemon = noClasses()
            .that().resideInAPackage("dev.ferry.mapper..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.nbd..", "dev.ferry.daemon..")
            .because("the mapper is a library the daemon builds on; NBD is the daemon's business");

    @ArchTest
    static final ArchRule mapper_does_not_use_netty = noClasses()
            .that().resideInAPackage("dev.ferry.mapper..")
            .should().dependOnClassesThat().resideInAPackage("io.netty..")
            .because("the mapper works on ByteBuffers and CompletableFutures; Netty stays in nbd-protocol and the daemon");

    @ArchTest
    static final ArchRule packages_are_free_of_cycles =
            slices().matching("dev.ferry.mapper.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .ensureAllClassesAreContainedInArchitecture()
            .layer("Entry").definedBy("dev.ferry.mapper")
            .layer("Device").definedBy("dev.ferry.mapper.device..")
            .layer("Table").definedBy("dev.ferry.mapper.table..")
            .layer("Mirror").definedBy("dev.ferry.mapper.mirror..")
            .layer("Targets").definedBy("dev.ferry.mapper.targets..")
            .layer("Copy").definedBy("dev.ferry.mapper.copy..")
            .layer("Block").definedBy("dev.ferry.mapper.block..")
            .layer("Time").definedBy("dev.ferry.mapper.time..")
            .layer("NativeIo").definedBy("dev.ferry.mapper.nativeio..")
            .whereLayer("Entry").mayOnlyAccessLayers("Device", "Table", "Mirror", "Targets", "Copy", "Block", "Time")
            .whereLayer("Device").mayOnlyAccessLayers("Table", "Mirror", "Targets", "Copy", "Block", "Time")
            .whereLayer("Table").mayOnlyAccessLayers("Targets", "Copy", "Block", "Time")
            .whereLayer("Mirror").mayOnlyAccessLayers("Targets", "Copy", "Block", "Time")
            .whereLayer("Targets").mayOnlyAccessLayers("Block", "Time")
            .whereLayer("Copy").mayOnlyAccessLayers("Block", "Time")
            .whereLayer("Block").mayOnlyAccessLayers("NativeIo")
            .whereLayer("Time").mayNotAccessAnyLayer()
            .whereLayer("NativeIo").mayNotAccessAnyLayer()
            .whereLayer("NativeIo").mayOnlyBeAccessedByLayers("Block");
}
