package io.framefarm.worker.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileCacheTest {
  @TempDir
  Path dir;

  private static String digest(char c) {
    return String.valueOf(c).repeat(64);
  }

  private void add(ModelFileCache cache, char c, int bytes) throws Exception {
    cache.reserve(digest(c), bytes);
    Path part = cache.partFile(digest(c));
    Files.write(part, new byte[bytes]);
    cache.admit(digest(c), part);
  }

  @Test
  void theLeastRecentlyUsedUnpinnedFilesMakeRoom() throws Exception {
    var cache = new ModelFileCache(dir, 300);
    add(cache, 'a', 100);
    add(cache, 'b', 100);
    add(cache, 'c', 100);
    cache.pin(digest('a')); // a is in use, and b is now the least recently used
    cache.unpin(digest('c'));

    add(cache, 'd', 150);

    assertThat(Files.exists(dir.resolve(digest('a')))).as("pinned").isTrue();
    assertThat(Files.exists(dir.resolve(digest('b')))).isFalse();
    assertThat(Files.exists(dir.resolve(digest('c')))).isFalse();
    assertThat(cache.usage()).isEqualTo(new ModelFileCache.Usage(250, 300, 2, 1));
  }

  @Test
  void pinnedFilesAreNeverEvictedAndWhatCannotFitIsRefused() throws Exception {
    var cache = new ModelFileCache(dir, 300);
    add(cache, 'a', 200);
    cache.pin(digest('a'));

    assertThatThrownBy(() -> cache.reserve(digest('b'), 150)).isInstanceOf(ModelFetchException.class)
        .hasMessageContaining("(300 bytes) cannot hold " + digest('b') + " (150 bytes)")
        .hasMessageContaining("--model-cache-size");
    assertThat(Files.exists(dir.resolve(digest('a')))).isTrue();
  }

  @Test
  void aRestartedNodeKeepsItsFilesInTheirOrderOfUse() throws Exception {
    var cache = new ModelFileCache(dir, 300);
    add(cache, 'a', 100);
    add(cache, 'b', 100);
    Files.setLastModifiedTime(dir.resolve(digest('a')), FileTime.fromMillis(2_000_000_000_000L));
    Files.setLastModifiedTime(dir.resolve(digest('b')), FileTime.fromMillis(1_000_000_000_000L));
    Files.writeString(dir.resolve("notes.txt"), "not a cached file");

    var reopened = new ModelFileCache(dir, 300);
    assertThat(reopened.usage()).isEqualTo(new ModelFileCache.Usage(200, 300, 2, 0));
    reopened.reserve(digest('c'), 150);

    assertThat(Files.exists(dir.resolve(digest('b')))).as("used longest ago").isFalse();
    assertThat(reopened.pin(digest('a'))).isPresent();
  }
}
