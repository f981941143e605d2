package io.framefarm.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemorySizeTest {

  @Test
  void parsesBinaryDecimalAndPlainSizes() {
    assertThat(MemorySize.parse("6GiB")).isEqualTo(6L << 30);
    assertThat(MemorySize.parse("512MiB")).isEqualTo(512L << 20);
    assertThat(MemorySize.parse("1.5GB")).isEqualTo(1_500_000_000L);
    assertThat(MemorySize.parse("1048576")).isEqualTo(1_048_576L);
    assertThat(MemorySize.parse(" 2 gib ")).isEqualTo(2L << 30);
    assertThat(MemorySize.parse("64KiB")).isEqualTo(65_536L);
    assertThat(MemorySize.parse("1.5KiB")).isEqualTo(1536L);
    assertThat(MemorySize.parse("10B")).isEqualTo(10L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "lots", "6XB", "-1GiB", "1.5.2GB", "GiB", "6 G i B"})
  void rejectsWhatIsNotASizeNamingTheText(String text) {
    assertThatThrownBy(() -> MemorySize.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }

  @Test
  void rejectsSizesBeyondALong() {
    assertThatThrownBy(() -> MemorySize.parse("100000000TiB")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100000000TiB");
  }

  @Test
  void formatsForPeople() {
    assertThat(MemorySize.format(512)).isEqualTo("512 B");
    assertThat(MemorySize.format(1536)).isEqualTo("1.5 KiB");
    assertThat(MemorySize.format(6L << 30)).isEqualTo("6.0 GiB");
  }
}
