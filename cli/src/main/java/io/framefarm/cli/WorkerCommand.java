package io.framefarm.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Run a worker node that joins the cluster at --seed-nodes and processes chunks.")
final class WorkerCommand implements Callable<Integer> {
  @Mixin
  DeviceOptions devices = new DeviceOptions();

  @Option(names = "--data-dir", description = "Scratch files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of(".farm-worker");

  @Mixin
  NodeOptions node = new NodeOptions();

  @Override
  public Integer call() {
    if (node.seedNodes.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "a worker needs --seed-nodes HOST:PORT of the coordinator's cluster");
    }
    var config = node.config(List.of("worker"), Map.of("framefarm.data-dir", NodeOptions.absolute(dataDir).toString()));
    FarmNode farm = FarmNode.start(config, devices.toWorkerOptions());
    System.out.println("Worker up with " + devices.cpuSlots + " CPU slot(s), joining " + node.seedNodes);
    Runtime.getRuntime().addShutdownHook(new Thread(farm::close));
    farm.awaitTermination();
    return ExitCodes.OK;
  }
}
