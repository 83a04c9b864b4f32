package dev.ferry.daemon;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The daemon's package rules, checked against its main classes on every {@code mvn verify}.
 *
 * <p>Layers, top to bottom (a layer may use only the layers its rule names, all of them below it):
 *
 * <pre>
 *   dev.ferry.daemon      Main: the command line
 *       wiring            builds the daemon's services (volumes, API routes, pvmove, NBD server)
 *   cli  cli.admin  cli.lvm  cli.dm      the ferry commands
 *   serve                 ferry serve: one file over NBD
 *   process               the daemon process: config, data directory, lifecycle, control server host
 *   access                NBD access rules and the --access-rules option
 *   api   cli.client      control plane: REST routes (server side), the control client (client side)
 *   control               the HTTP control endpoint: router, requests, responses
 *   metrics               the Prometheus registry, the meters fed by the lower layers' ports, the --metrics listener
 *   pvmove                live migration, whole
 *   mirror                AIX's mirror verbs: migratepp, resynclp/lv/pv
 *   jobs                  what background copy jobs share: copy meter, timer
 *   operations            the volume operations (VolumeService, its VolumeOperations port)
 *   activation            metadata to tables, mapped devices and exports
 *   remote                remote PVs: NBD exports as metadata and data devices, their connections' health
 *   export                the export catalog and the block-device export adapter
 *   policy                what API callers may name: the allowed path directories
 *   model  model.report   the volume model, allocation, the volume manager, reports
 *   metadata              labels and metadata areas on disk
 *   command               what every command shares: exit codes, failures, durations, default locations
 * </pre>
 */
@AnalyzeClasses(packages = "dev.ferry.daemon", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule packages_are_free_of_cycles =
            slices().matching("dev.ferry.daemon.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule model_never_sees_the_engine = noClasses()
            .that().resideInAnyPackage("dev.ferry.daemon.model..", "dev.ferry.daemon.metadata..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.mapper..", "dev.ferry.nbd..", "io.netty..")
            .because("the model and the metadata describe volumes; devices, tables and NBD are activation's");

    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .ensureAllClassesAreContainedInArchitecture()
            .layer("Entry").definedBy("dev.ferry.daemon")
            .layer("Wiring").definedBy("dev.ferry.daemon.wiring..")
            .layer("Cli").definedBy("dev.ferry.daemon.cli", "dev.ferry.daemon.cli.admin..",
                    "dev.ferry.daemon.cli.lvm..", "dev.ferry.daemon.cli.dm..")
            .layer("Serve").definedBy("dev.ferry.daemon.serve..")
            .layer("Process").definedBy("dev.ferry.daemon.process..")
            .layer("Access").definedBy("dev.ferry.daemon.access..")
            .layer("Api").definedBy("dev.ferry.daemon.api..")
            .layer("ControlClient").definedBy("dev.ferry.daemon.cli.client..")
            .layer("Control").definedBy("dev.ferry.daemon.control..")
            .layer("Metrics").definedBy("dev.ferry.daemon.metrics..")
            .layer("Pvmove").definedBy("dev.ferry.daemon.pvmove..")
            .layer("Mirror").definedBy("dev.ferry.daemon.mirror..")
            .layer("Jobs").definedBy("dev.ferry.daemon.jobs..")
            .layer("Operations").definedBy("dev.ferry.daemon.operations..")
            .layer("Activation").definedBy("dev.ferry.daemon.activation..")
            .layer("Remote").definedBy("dev.ferry.daemon.remote..")
            .layer("Bitmap").definedBy("dev.ferry.daemon.bitmap..")
            .layer("Export").definedBy("dev.ferry.daemon.export..")
            .layer("Policy").definedBy("dev.ferry.daemon.policy..")
            .layer("Model").definedBy("dev.ferry.daemon.model..")
            .layer("Metadata").definedBy("dev.ferry.daemon.metadata..")
            .layer("Command").definedBy("dev.ferry.daemon.command..")
            .whereLayer("Wiring").mayOnlyAccessLayers("Process", "Api", "Control", "Metrics", "Pvmove", "Mirror",
                    "Operations", "Activation", "Remote", "Bitmap", "Export", "Policy", "Model", "Metadata", "Command")
            .whereLayer("Cli").mayOnlyAccessLayers("Serve", "Process", "Access", "ControlClient", "Control", "Metrics",
                    "Command")
            .whereLayer("Serve").mayOnlyAccessLayers("Metrics", "Export", "Command")
            .whereLayer("Process").mayOnlyAccessLayers("Access", "Control", "Metrics", "Command")
            .whereLayer("Access").mayOnlyAccessLayers("Command")
            .whereLayer("Api").mayOnlyAccessLayers("Control", "Pvmove", "Mirror", "Operations", "Activation",
                    "Bitmap", "Policy", "Model")
            .whereLayer("ControlClient").mayOnlyAccessLayers("Control", "Command")
            .whereLayer("Control").mayNotAccessAnyLayer()
            .whereLayer("Metrics").mayOnlyAccessLayers("Pvmove", "Model")
            .whereLayer("Pvmove").mayOnlyAccessLayers("Jobs", "Operations", "Activation", "Model")
            .whereLayer("Mirror").mayOnlyAccessLayers("Jobs", "Operations", "Activation", "Model")
            .whereLayer("Jobs").mayNotAccessAnyLayer()
            .whereLayer("Operations").mayOnlyAccessLayers("Activation", "Remote", "Export", "Model", "Metadata")
            .whereLayer("Activation").mayOnlyAccessLayers("Remote", "Export", "Model")
            .whereLayer("Remote").mayOnlyAccessLayers("Model", "Metadata")
            .whereLayer("Bitmap").mayOnlyAccessLayers("Export", "Model")
            .whereLayer("Export").mayNotAccessAnyLayer()
            .whereLayer("Policy").mayNotAccessAnyLayer()
            .whereLayer("Model").mayOnlyAccessLayers("Metadata")
            .whereLayer("Metadata").mayNotAccessAnyLayer()
            .whereLayer("Command").mayNotAccessAnyLayer()
            .whereLayer("Wiring").mayOnlyBeAccessedByLayers("Entry");
}
