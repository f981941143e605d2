package io.framefarm.media;

import java.util.Locale;
import java.util.Map;

/**
 * A 5x7 block font in code, for captions on machines whose Java has no fonts (java.awt then fails with
 * "Fontconfig head is null"): capital letters, digits and a little punctuation, drawn as filled cells.
 */
final class BlockFont {
  static final int GLYPH_WIDTH = 5;
  static final int GLYPH_HEIGHT = 7;
  /** A glyph's advance, in cells: the glyph and one empty column. */
  static final int ADVANCE = GLYPH_WIDTH + 1;

  private static final Map<Character, String> GLYPHS = Map.ofEntries(
      glyph('A', ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
      glyph('B', "####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."),
      glyph('C', ".####", "#....", "#....", "#....", "#....", "#....", ".####"),
      glyph('D', "####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."),
      glyph('E', "#####", "#....", "#....", "####.", "#....", "#....", "#####"),
      glyph('F', "#####", "#....", "#....", "####.", "#....", "#....", "#...."),
      glyph('G', ".####", "#....", "#....", "#..##", "#...#", "#...#", ".####"),
      glyph('H', "#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
      glyph('I', ".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
      glyph('J', "..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."),
      glyph('K', "#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"),
      glyph('L', "#....", "#....", "#....", "#....", "#....", "#....", "#####"),
      glyph('M', "#...#", "##.##", "#.#.#", "#...#", "#...#", "#...#", "#...#"),
      glyph('N', "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#"),
      glyph('O', ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
      glyph('P', "####.", "#...#", "#...#", "####.", "#....", "#....", "#...."),
      glyph('Q', ".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"),
      glyph('R', "####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"),
      glyph('S', ".####", "#....", "#....", ".###.", "....#", "....#", "####."),
      glyph('T', "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),
      glyph('U', "#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
      glyph('V', "#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
      glyph('W', "#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."),
      glyph('X', "#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"),
      glyph('Y', "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."),
      glyph('Z', "#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"),
      glyph('0', ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."),
      glyph('1', "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
      glyph('2', ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
      glyph('3', "####.", "....#", "....#", ".###.", "....#", "....#", "####."),
      glyph('4', "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
      glyph('5', "#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
      glyph('6', ".###.", "#....", "#....", "####.", "#...#", "#...#", ".###."),
      glyph('7', "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
      glyph('8', ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
      glyph('9', ".###.", "#...#", "#...#", ".####", "....#", "....#", ".###."),
      glyph('-', ".....", ".....", ".....", ".###.", ".....", ".....", "....."),
      glyph('.', ".....", ".....", ".....", ".....", ".....", ".##..", ".##.."),
      glyph(':', ".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."),
      glyph('/', "....#", "....#", "...#.", "..#..", ".#...", "#....", "#...."));

  private BlockFont() {}

  private static Map.Entry<Character, String> glyph(char c, String... rows) {
    return Map.entry(c, String.join("", rows));
  }

  /** Whether cell ({@code col}, {@code row}) of {@code c}'s glyph is ink; unknown characters draw nothing. */
  static boolean ink(char c, int col, int row) {
    String glyph = GLYPHS.get(Character.toUpperCase(c));
    return glyph != null && col >= 0 && col < GLYPH_WIDTH && row >= 0 && row < GLYPH_HEIGHT
        && glyph.charAt(row * GLYPH_WIDTH + col) == '#';
  }

  /**
   * {@code text} as a coverage mask of {@code width} x {@code height} (255: ink), the largest whole
   * cell size that fits, centred.
   */
  static byte[] mask(String text, int width, int height) {
    String upper = text.toUpperCase(Locale.ROOT);
    int columns = Math.max(1, upper.length() * ADVANCE - 1);
    int cell = Math.max(1, Math.min(width * 9 / 10 / columns, height * 6 / 10 / GLYPH_HEIGHT));
    int left = (width - columns * cell) / 2;
    int top = (height - GLYPH_HEIGHT * cell) / 2;
    byte[] mask = new byte[width * height];
    for (int y = 0; y < height; y++) {
      int row = Math.floorDiv(y - top, cell);
      for (int x = 0; x < width; x++) {
        int column = Math.floorDiv(x - left, cell);
        if (column < 0 || row < 0 || row >= GLYPH_HEIGHT) {
          continue;
        }
        int index = column / ADVANCE;
        if (index < upper.length() && ink(upper.charAt(index), column % ADVANCE, row)) {
          mask[y * width + x] = (byte) 255;
        }
      }
    }
    return mask;
  }
}
