#!/usr/bin/env node
// Lays out the 64x64 Twemoji PNGs of the npm package emoji-datasource-twitter (img/twitter/64/)
// as one folder per emoji.json category, <output>/<category>/<image file name>, so a folder loader
// reads them as labelled classes. Files are copied byte for byte; nothing is decoded or re-encoded.
//
// What is laid out, and why:
// - Every emoji.json entry and every skin-tone variant under its skin_variations; a variant has
//   no category of its own and goes in its parent's.
// - Not the "Component" category (the five bare skin-tone swatches, not emoji on their own).
// - Not the entries whose has_img_twitter is false: the package marks an emoji that Twemoji does
//   not draw that way, and emoji-data has filled such gaps with another vendor's graphic, which
//   would be neither Twemoji nor under its licence. They are counted and reported (none in 16.0.0).
// - An image file name referenced more than once is written once, in the category of its first
//   reference in emoji.json order, so no picture carries two labels or counts twice. Repeats are
//   counted and reported (none in 16.0.0).
// Every file that is laid out must exist in the package and be a 64x64 PNG; a missing or
// malformed one, or a number of classes other than EXPECTED_CLASSES, fails the run. The PNGs are
// 8-bit RGBA or palette-indexed with a transparency chunk (tRNS); decode them as 4 channels.
//
// Usage: node scripts/emoji_layout.js <package folder> <output folder> [expected image count]
'use strict';

const fs = require('fs');
const path = require('path');

const IMAGE_DIR = path.join('img', 'twitter', '64');
const SIZE = 64;
const EXCLUDED_CATEGORIES = new Set(['Component']);
const EXPECTED_CLASSES = 9;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function plural(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function die(message) {
  process.stderr.write(`emoji_layout: ${message}\n`);
  process.exit(1);
}

// A name from emoji.json becomes one path component: refuse anything that could leave the folder.
function safeName(name, what) {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' ||
      name.startsWith('.') || /[/\\\0]/.test(name))
    die(`emoji.json holds an unusable ${what} ${JSON.stringify(name)}`);
  return name;
}

// The PNG signature, then IHDR as the first chunk: width and height at bytes 16 and 20.
function checkPng(file) {
  const header = Buffer.alloc(26);
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    if (fs.readSync(fd, header, 0, header.length, 0) !== header.length) return 'too short for a PNG';
  } catch (e) {
    return e.message;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (!header.subarray(0, 8).equals(PNG_SIGNATURE)) return 'not a PNG (bad signature)';
  if (header.toString('latin1', 12, 16) !== 'IHDR') return 'PNG without an IHDR chunk first';
  const width = header.readUInt32BE(16);
  const height = header.readUInt32BE(20);
  if (width !== SIZE || height !== SIZE) return `${width}x${height}, expected ${SIZE}x${SIZE}`;
  return null;
}

// Every image emoji.json names, in file order: [{image, category, hasImage, label}].
function readReferences(packageDir) {
  const file = path.join(packageDir, 'emoji.json');
  let entries;
  try {
    entries = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    die(`cannot read ${file}: ${e.message}`);
  }
  if (!Array.isArray(entries) || entries.length === 0) die(`${file}: expected a non-empty array of emoji`);
  const refs = [];
  entries.forEach((entry, i) => {
    const label = entry && (entry.short_name || entry.unified || `entry ${i}`);
    if (!entry || typeof entry.image !== 'string' || typeof entry.category !== 'string')
      die(`${file}: ${label} has no "image" or "category" field; the package layout is not the expected one`);
    if (typeof entry.has_img_twitter !== 'boolean')
      die(`${file}: ${label} has no boolean "has_img_twitter" field; the package layout is not the expected one`);
    refs.push({ image: entry.image, category: entry.category, hasImage: entry.has_img_twitter, label });
    for (const [tone, variant] of Object.entries(entry.skin_variations || {})) {
      if (!variant || typeof variant.image !== 'string' || typeof variant.has_img_twitter !== 'boolean')
        die(`${file}: skin variation ${tone} of ${label} has no "image" or "has_img_twitter" field`);
      refs.push({ image: variant.image, category: entry.category, hasImage: variant.has_img_twitter,
                  label: `${label} ${tone}` });
    }
  });
  return refs;
}

function main() {
  const [packageDir, outDir, expectedArg] = process.argv.slice(2);
  if (!packageDir || !outDir)
    die('usage: node emoji_layout.js <package folder> <output folder> [expected image count]');
  const imageDir = path.join(packageDir, IMAGE_DIR);
  if (!fs.existsSync(imageDir) || !fs.statSync(imageDir).isDirectory())
    die(`${imageDir} is not a folder; the package layout is not the expected one`);

  const refs = readReferences(packageDir);
  const seen = new Set();
  const chosen = [];  // {image, category}
  let excluded = 0, noImage = 0, repeats = 0;
  const missing = [], malformed = [];
  for (const ref of refs) {
    if (EXCLUDED_CATEGORIES.has(ref.category)) { ++excluded; continue; }
    if (!ref.hasImage) { ++noImage; continue; }
    safeName(ref.category, 'category');
    safeName(ref.image, 'image file name');
    if (seen.has(ref.image)) { ++repeats; continue; }
    seen.add(ref.image);
    const source = path.join(imageDir, ref.image);
    if (!fs.existsSync(source)) { missing.push(`${ref.image} (${ref.label})`); continue; }
    const problem = checkPng(source);
    if (problem) { malformed.push(`${ref.image}: ${problem}`); continue; }
    chosen.push({ image: ref.image, category: ref.category });
  }
  if (missing.length > 0)
    die(`${plural(missing.length, 'image')} named in emoji.json missing from ${imageDir}, e.g. ` +
        `${missing.slice(0, 5).join(', ')}; the package layout is not the expected one`);
  if (malformed.length > 0)
    die(`${plural(malformed.length, 'image')} in ${imageDir} not as expected (${SIZE}x${SIZE} PNG), e.g. ${malformed.slice(0, 5).join('; ')}`);

  const counts = new Map();
  for (const { category } of chosen) counts.set(category, (counts.get(category) || 0) + 1);
  const categories = [...counts.keys()].sort();
  if (categories.length !== EXPECTED_CLASSES)
    die(`expected ${EXPECTED_CLASSES} categories besides ${[...EXCLUDED_CATEGORIES].join(', ')}, ` +
        `found ${categories.length}: ${categories.join(', ')}`);
  if (expectedArg !== undefined && chosen.length !== Number(expectedArg))
    die(`expected ${expectedArg} images, found ${chosen.length}; the package is not the expected one`);

  try {
    for (const category of categories) fs.mkdirSync(path.join(outDir, category), { recursive: true });
    for (const { image, category } of chosen)
      fs.copyFileSync(path.join(imageDir, image), path.join(outDir, category, image), fs.constants.COPYFILE_EXCL);
  } catch (e) {
    die(`cannot write into ${outDir}: ${e.message}`);
  }

  const unused = fs.readdirSync(imageDir).filter((f) => f.endsWith('.png')).length - chosen.length;
  console.log(`left out: ${excluded} in ${[...EXCLUDED_CATEGORIES].join(', ')}, ${noImage} without a Twitter image, ` +
              `${plural(repeats, 'repeated file name')}; ${plural(unused, 'PNG')} of the package not laid out`);
  for (const category of categories) console.log(`${category}: ${counts.get(category)}`);
  console.log(`total: ${chosen.length} images in ${categories.length} classes`);
}

main();
