package io.framefarm.media;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

/** Draws a caption on a white band in the upper third of each frame (sample videos for text pipelines). */
final class Captioner {
  private final String caption;
  private final int width;
  private final int height;
  private final Java2DFrameConverter converter = new Java2DFrameConverter();

  Captioner(String caption, int width, int height) {
    this.caption = caption;
    this.width = width;
    this.height = height;
  }

  /** The box, in pixels, where the caption's band is drawn: x, y, width, height. */
  static int[] band(int width, int height) {
    return new int[] {width / 10, height / 8, width * 8 / 10, height / 5};
  }

  Frame apply(Frame frame) {
    BufferedImage image = converter.getBufferedImage(frame);
    Graphics2D g = image.createGraphics();
    try {
      int[] band = band(width, height);
      g.setColor(Color.WHITE);
      g.fillRect(band[0], band[1], band[2], band[3]);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, band[3] * 6 / 10));
      FontMetrics metrics = g.getFontMetrics();
      int x = band[0] + (band[2] - metrics.stringWidth(caption)) / 2;
      int y = band[1] + (band[3] + metrics.getAscent() - metrics.getDescent()) / 2;
      g.drawString(caption, x, y);
    } finally {
      g.dispose();
    }
    return converter.convert(image);
  }
}
