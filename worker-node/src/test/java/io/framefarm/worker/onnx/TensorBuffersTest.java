package io.framefarm.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TensorBuffersTest {

  @Test
  void aBufferGivenBackIsTakenAgainForItsSizeAndTheKeptBytesAreCapped() {
    int bytes = 3 * 544 * 960 * Float.BYTES + 7; // a size no other test uses
    ByteBuffer first = TensorBuffers.take(bytes);
    assertThat(first.isDirect()).isTrue();
    assertThat(first.order()).isEqualTo(ByteOrder.nativeOrder());
    first.position(100);
    long before = TensorBuffers.keptBytes();

    TensorBuffers.give(first);
    assertThat(TensorBuffers.keptBytes()).isEqualTo(before + bytes);
    ByteBuffer again = TensorBuffers.take(bytes);
    assertThat(again).isSameAs(first);
    assertThat(again.position()).as("cleared").isZero();
    assertThat(TensorBuffers.take(bytes)).as("none kept any more: a new one").isNotSameAs(first);

    int huge = (int) TensorBuffers.KEEP_BYTES + 1;
    TensorBuffers.give(ByteBuffer.allocateDirect(huge));
    assertThat(TensorBuffers.keptBytes()).as("over the cap: not kept").isEqualTo(before);
    TensorBuffers.give(again);
  }
}
