package io.framefarm.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "open", mixinStandardHelpOptions = true,
    description = "Print the address of the coordinator's dashboard (and open it in a browser with --browser).")
final class OpenCommand implements Callable<Integer> {
  @Option(names = "--browser", description = "Open the address with xdg-open (or open on macOS) as well.")
  boolean browser;

  @Mixin
  ClientOptions client = new ClientOptions();

  @Override
  public Integer call() throws IOException {
    FarmClient farm = client.client();
    String address = farm.baseUrl() + "/";
    client.out().println(address);
    client.out().flush();
    if (!farm.healthy()) {
      client.command.commandLine().getErr().println("farm: the coordinator at " + farm.baseUrl()
          + " does not answer (is `farm up` running?)");
      return ExitCodes.UNAVAILABLE;
    }
    if (browser) {
      String opener = System.getProperty("os.name").toLowerCase().contains("mac") ? "open" : "xdg-open";
      new ProcessBuilder(opener, address).inheritIO().start();
    }
    return ExitCodes.OK;
  }
}
