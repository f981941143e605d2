package io.framefarm.media;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws a caption in black on a white band in the upper third of BGR frames (sample videos for text
 * pipelines). The letters come from java.awt's sans-serif font when the Java runtime has fonts, else from
 * {@link BlockFont}, so a machine with a bare JDK draws them too.
 */
final class Captioner {
  private static final Logger log = LoggerFactory.getLogger(Captioner.class);

  private final int[] band;
  /** Ink coverage over the band, row by row: 0 paper, 255 ink. */
  private final byte[] mask;

  private Captioner(int[] band, byte[] mask) {
    this.band = band;
    this.mask = mask;
  }

  /** A caption in the system's sans-serif font, or in the block font when java.awt has no fonts. */
  static Captioner of(String caption, int width, int height) {
    int[] band = band(width, height);
    byte[] mask;
    try {
      mask = awtMask(caption, band[2], band[3]);
    } catch (RuntimeException | Error e) {
      if (e instanceof OutOfMemoryError || e instanceof StackOverflowError) {
        throw e;
      }
      // A JDK without fonts or fontconfig throws errors of several kinds: "Fontconfig head is null" (an
      // InternalError), "No physical fonts found" (an Error), then NoClassDefFoundError ever after.
      log.info("java.awt cannot draw text here ({}); the caption uses the built-in block font", e.toString());
      mask = BlockFont.mask(caption, band[2], band[3]);
    }
    return new Captioner(band, mask);
  }

  /** A caption in the built-in block font, whatever fonts the system has. */
  static Captioner blockFont(String caption, int width, int height) {
    int[] band = band(width, height);
    return new Captioner(band, BlockFont.mask(caption, band[2], band[3]));
  }

  /** The box, in pixels, where the caption's band is drawn: x, y, width, height. */
  static int[] band(int width, int height) {
    return new int[] {width / 10, height / 8, width * 8 / 10, height / 5};
  }

  /** Paints the band and its letters over a BGR24 image whose rows are {@code stride} bytes apart. */
  void draw(ByteBuffer bgr, int stride) {
    for (int y = 0; y < band[3]; y++) {
      int row = (band[1] + y) * stride + band[0] * 3;
      for (int x = 0; x < band[2]; x++) {
        byte v = (byte) (255 - (mask[y * band[2] + x] & 0xff));
        int at = row + x * 3;
        bgr.put(at, v).put(at + 1, v).put(at + 2, v);
      }
    }
  }

  private static byte[] awtMask(String caption, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, height * 6 / 10));
      FontMetrics metrics = g.getFontMetrics();
      int x = (width - metrics.stringWidth(caption)) / 2;
      int y = (height + metrics.getAscent() - metrics.getDescent()) / 2;
      g.drawString(caption, x, y);
    } finally {
      g.dispose();
    }
    return ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
  }
}
