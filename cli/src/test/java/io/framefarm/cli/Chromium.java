package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless chromium driven through Debian's chromedriver (packages {@code chromium} and
 * {@code chromium-driver}; .ci/run installs them). Nothing is downloaded: a missing binary fails the test.
 */
final class Chromium implements AutoCloseable {
  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  final WebDriver driver;

  private Chromium(WebDriver driver) {
    this.driver = driver;
  }

  static Chromium start(Path profile) {
    assertThat(Files.isExecutable(BROWSER)).as(BROWSER + " is missing: apt-get install chromium chromium-driver "
        + "(.ci/run does)").isTrue();
    assertThat(Files.isExecutable(DRIVER)).as(DRIVER + " is missing: apt-get install chromium-driver (.ci/run does)")
        .isTrue();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    // No sandbox: CI runs as root, where chromium refuses its sandbox.
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1440,1200", "--user-data-dir=" + profile.toAbsolutePath(), "--no-first-run");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
        .usingAnyFreePort().build();
    return new Chromium(new ChromeDriver(service, options));
  }

  /** Polls {@code condition} on the page until it holds (not null, not false) or {@code deadline} passes. */
  <T> T await(String what, Duration deadline, Function<WebDriver, T> condition) {
    // The page re-renders its tables as events arrive: an element found a moment ago may be gone.
    return new WebDriverWait(driver, deadline, Duration.ofMillis(200)).withMessage(what)
        .ignoring(StaleElementReferenceException.class).until(condition);
  }

  /** The text of the first element matching {@code css}, or null when there is none. */
  String text(String css) {
    return (String) script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
  }

  Object script(String javascript, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(javascript, args);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
