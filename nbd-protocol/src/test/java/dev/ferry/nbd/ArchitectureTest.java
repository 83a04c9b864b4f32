package dev.ferry.nbd;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The nbd-protocol module's package rules, checked against its main classes on every {@code mvn verify}.
 *
 * <p>Layers, bottom to top (a layer may use only the layers below it):
 *
 * <pre>
 *   client          server           the two ends; neither uses the other
 *        \         /     \
 *          codec        access       wire records, validation, the server's codecs; the access-control port
 *            |
 *          export                    the Export SPI the server serves and the client's results reuse
 *            |
 *   dev.ferry.nbd                    the spec's numbers and names; ConnectionState
 *
 *   tls                              beside them, for both ends and using none: PEM files, the TLS implementation,
 *                                    TLS failures
 * </pre>
 */
@AnalyzeClasses(packages = "dev.ferry.nbd", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule protocol_does_not_depend_on_mapper_or_daemon = noClasses()
            .that().resideInAPackage("dev.ferry.nbd..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.mapper..", "dev.ferry.daemon..")
            .because("nbd-protocol is a library the daemon builds on, never the other way round");

    @ArchTest
    static final ArchRule packages_are_free_of_cycles =
            slices().matching("dev.ferry.nbd.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .ensureAllClassesAreContainedInArchitecture()
            .layer("Constants").definedBy("dev.ferry.nbd")
            .layer("Export").definedBy("dev.ferry.nbd.export..")
            .layer("Codec").definedBy("dev.ferry.nbd.codec..")
            .layer("Client").definedBy("dev.ferry.nbd.client..")
            .layer("Server").definedBy("dev.ferry.nbd.server..")
            .layer("Access").definedBy("dev.ferry.nbd.access..")
            .layer("Tls").definedBy("dev.ferry.nbd.tls..")
            .whereLayer("Constants").mayNotAccessAnyLayer()
            .whereLayer("Export").mayOnlyAccessLayers("Constants")
            .whereLayer("Codec").mayOnlyAccessLayers("Export", "Constants")
            .whereLayer("Client").mayOnlyAccessLayers("Codec", "Export", "Tls", "Constants")
            .whereLayer("Server").mayOnlyAccessLayers("Codec", "Export", "Access", "Tls", "Constants")
            .whereLayer("Access").mayNotAccessAnyLayer()
            .whereLayer("Tls").mayNotAccessAnyLayer()
            .whereLayer("Client").mayNotBeAccessedByAnyLayer()
            .whereLayer("Server").mayNotBeAccessedByAnyLayer();
}
