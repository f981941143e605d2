package io.framefarm.media;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;

/**
 * A reusable planar 8-bit frame, tightly packed (stride = plane width) in one direct {@link ByteBuffer}, planes one
 * after another from index 0. Pooled and reused by the memory manager, so it is mutable and not thread-safe.
 */
public final class VideoFrame {
  private final ByteBuffer buffer;
  private final int width;
  private final int height;
  private final PixelLayout layout;
  private final int[] offsets;
  private long pts;
  private BytePointer pointer; // lazily made, so a frame that never meets FFmpeg costs no native peer

  private VideoFrame(ByteBuffer buffer, int width, int height, PixelLayout layout) {
    this.buffer = buffer;
    this.width = width;
    this.height = height;
    this.layout = layout;
    this.offsets = new int[layout.planeCount()];
    int offset = 0;
    for (int p = 0; p < offsets.length; p++) {
      offsets[p] = offset;
      offset += layout.planeWidth(p, width) * layout.planeHeight(p, height);
    }
  }

  public static VideoFrame allocate(int width, int height, PixelLayout layout) {
    return new VideoFrame(ByteBuffer.allocateDirect(byteSize(width, height, layout)), width, height, layout);
  }

  public static int byteSize(int width, int height, PixelLayout layout) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("bad frame size " + width + "x" + height);
    }
    long size = 0;
    for (int p = 0; p < layout.planeCount(); p++) {
      size += (long) layout.planeWidth(p, width) * layout.planeHeight(p, height);
    }
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("frame too large " + width + "x" + height);
    }
    return (int) size;
  }

  /** A frame over {@code buffer} (direct, capacity at least {@link #byteSize}); plane 0 starts at index 0. */
  public static VideoFrame wrap(ByteBuffer buffer, int width, int height, PixelLayout layout) {
    int needed = byteSize(width, height, layout);
    if (!buffer.isDirect()) {
      throw new IllegalArgumentException("frame buffers must be direct");
    }
    if (buffer.capacity() < needed) {
      throw new IllegalArgumentException("buffer holds " + buffer.capacity() + " bytes, a " + width + "x"
          + height + " " + layout + " frame needs " + needed);
    }
    return new VideoFrame(buffer, width, height, layout);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public PixelLayout layout() {
    return layout;
  }

  public ByteBuffer data() {
    return buffer;
  }

  public int byteSize() {
    return byteSize(width, height, layout);
  }

  public int planeCount() {
    return offsets.length;
  }

  public int planeOffset(int p) {
    return offsets[p];
  }

  public int planeWidth(int p) {
    return layout.planeWidth(p, width);
  }

  public int planeHeight(int p) {
    return layout.planeHeight(p, height);
  }

  public long pts() {
    return pts;
  }

  public void setPts(long pts) {
    this.pts = pts;
  }

  /** A native pointer to plane {@code p}; only valid while this frame (and its buffer) is reachable. */
  BytePointer planePointer(int p) {
    if (pointer == null) {
      pointer = new BytePointer(buffer);
    }
    return new BytePointer(pointer).position(offsets[p]);
  }
}
