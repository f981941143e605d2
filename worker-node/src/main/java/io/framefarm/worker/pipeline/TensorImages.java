package io.framefarm.worker.pipeline;

import io.framefarm.pipeline.PipelineModel;
import io.framefarm.pipeline.PipelineModel.ChannelOrder;
import java.nio.FloatBuffer;

/**
 * Moves pixels between a frame's planar RGB (0..255) and a model's image tensor [3,h,w] with the
 * model's channel order and normalization, resampling bilinearly (pixel centres aligned, so equal
 * sizes copy exactly). Writes only into the buffers it is given: nothing is allocated per frame.
 */
final class TensorImages {
  // Tensor channel c is x = v * scale[c] + offset[c] of RGB plane source[c].
  private final float[] scale = new float[3];
  private final float[] offset = new float[3];
  private final int[] source = new int[3];

  TensorImages(PipelineModel model) {
    PipelineModel.Normalization n = model.normalization();
    for (int c = 0; c < 3; c++) {
      double std = n.std().get(c);
      scale[c] = (float) (n.scale() / std);
      offset[c] = (float) (-n.mean().get(c) / std);
      source[c] = model.channelOrder() == ChannelOrder.BGR ? 2 - c : c;
    }
  }

  /**
   * Samples the rectangle (x0, y0, w, h) of {@code rgb} (frameWidth wide) into the first
   * {@code contentWidth} columns of a {@code tw} x {@code th} tensor; the columns after it get
   * {@code pad} (a tensor value).
   */
  void toTensor(float[] rgb, int frameWidth, int frameHeight, int x0, int y0, int w, int h,
      FloatBuffer tensor, int tw, int th, int contentWidth, float pad) {
    int plane = frameWidth * frameHeight;
    float fx = (float) w / contentWidth;
    float fy = (float) h / th;
    for (int c = 0; c < 3; c++) {
      int src = source[c] * plane;
      int dst = c * tw * th;
      for (int ty = 0; ty < th; ty++) {
        float sy = clamp(y0 + (ty + 0.5f) * fy - 0.5f, y0, y0 + h - 1);
        int yA = (int) sy;
        int yB = Math.min(yA + 1, y0 + h - 1);
        float wy = sy - yA;
        int row = dst + ty * tw;
        for (int tx = 0; tx < contentWidth; tx++) {
          float sx = clamp(x0 + (tx + 0.5f) * fx - 0.5f, x0, x0 + w - 1);
          int xA = (int) sx;
          int xB = Math.min(xA + 1, x0 + w - 1);
          float wx = sx - xA;
          float top = rgb[src + yA * frameWidth + xA] * (1 - wx) + rgb[src + yA * frameWidth + xB] * wx;
          float bottom = rgb[src + yB * frameWidth + xA] * (1 - wx) + rgb[src + yB * frameWidth + xB] * wx;
          tensor.put(row + tx, (top * (1 - wy) + bottom * wy) * scale[c] + offset[c]);
        }
        for (int tx = contentWidth; tx < tw; tx++) {
          tensor.put(row + tx, pad);
        }
      }
    }
  }

  /**
   * Samples a {@code tw} x {@code th} output tensor [3,th,tw] back into the rectangle (x0, y0, w, h)
   * of {@code rgb}, blended with a mask that rises from 0 at the rectangle's edge to 1 at
   * {@code feather} pixels inside it (0: a hard edge).
   */
  void fromTensor(FloatBuffer tensor, int tw, int th, float[] rgb, int frameWidth, int frameHeight,
      int x0, int y0, int w, int h, int feather) {
    int plane = frameWidth * frameHeight;
    float fx = (float) tw / w;
    float fy = (float) th / h;
    for (int c = 0; c < 3; c++) {
      int src = c * tw * th;
      int dst = source[c] * plane;
      for (int y = 0; y < h; y++) {
        float sy = clamp((y + 0.5f) * fy - 0.5f, 0, th - 1);
        int yA = (int) sy;
        int yB = Math.min(yA + 1, th - 1);
        float wy = sy - yA;
        for (int x = 0; x < w; x++) {
          float sx = clamp((x + 0.5f) * fx - 0.5f, 0, tw - 1);
          int xA = (int) sx;
          int xB = Math.min(xA + 1, tw - 1);
          float wx = sx - xA;
          float top = tensor.get(src + yA * tw + xA) * (1 - wx) + tensor.get(src + yA * tw + xB) * wx;
          float bottom = tensor.get(src + yB * tw + xA) * (1 - wx) + tensor.get(src + yB * tw + xB) * wx;
          float value = ((top * (1 - wy) + bottom * wy) - offset[c]) / scale[c];
          value = value < 0 ? 0 : Math.min(value, 255f);
          int i = dst + (y0 + y) * frameWidth + x0 + x;
          float alpha = feather == 0 ? 1
              : Math.min(1f, (Math.min(Math.min(x, w - 1 - x), Math.min(y, h - 1 - y)) + 1f) / (feather + 1f));
          rgb[i] = alpha == 1 ? value : rgb[i] + (value - rgb[i]) * alpha;
        }
      }
    }
  }

  private static float clamp(float v, float min, float max) {
    return v < min ? min : Math.min(v, max);
  }
}
