#!/usr/bin/env node
// Writes the manifests of docs/synthesised-fakes.md into OUT (default runs/synth-manifests):
//   test.csv        the test split of data/ffhq-tpdne-4k (input of rfm less-forgery and rfm synth)
//   sbi-train.csv   the train and validation reals of data/ffhq-tpdne-4k, the London portraits as
//                   train reals, and the whole test split (for rfm train --fakes sbi)
//   table6.csv      (after `rfm less-forgery --data OUT/test.csv --out OUT/less`) train and
//                   validation as they are; as test, the test reals, the full fakes that have a
//                   face and the four less-forgery sets (for rfm compare)
// Paths are relative to OUT, through a `data` link to the repository's data/ folder.
// Usage: node scripts/synth-manifests.mjs [OUT]
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(process.argv[2] ?? join(repo, 'runs', 'synth-manifests'));
mkdirSync(out, { recursive: true });
if (!existsSync(join(out, 'data'))) symlinkSync(join(repo, 'data'), join(out, 'data'), 'dir');

const HEADER = 'path,label,technique,split,group';
const csv = (rows) => `${[HEADER, ...rows.map((r) => r.join(','))].join('\n')}\n`;
const splits = readFileSync(join(repo, 'data', 'ffhq-tpdne-4k', 'splits.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [id, split] = line.split(',');
    const label = id.startsWith('real/') ? 'real' : 'fake';
    return { path: `data/ffhq-tpdne-4k/${id}`, label, technique: label === 'real' ? 'real' : 'stylegan2', split };
  });
const row = (it) => [it.path, it.label, it.technique, it.split, ''];

const test = splits.filter((it) => it.split === 'test');
writeFileSync(join(out, 'test.csv'), csv(test.map(row)));

const london = readdirSync(join(repo, 'data', 'london-faces'))
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((f) => [`data/london-faces/${f}`, 'real', 'real', 'train', `london-${f.slice(0, 3)}`]);
const trainReals = splits.filter((it) => it.split !== 'test' && it.label === 'real');
writeFileSync(join(out, 'sbi-train.csv'), csv([...trainReals.map(row), ...london, ...test.map(row)]));

const lessDir = join(out, 'less');
if (existsSync(join(lessDir, 'less-forgery.json'))) {
  const less = JSON.parse(readFileSync(join(lessDir, 'less-forgery.json'), 'utf8'));
  const withFace = new Set(less.images.map((r) => r.fake));
  const kept = splits.filter((it) => it.split !== 'test' || it.label === 'real' || withFace.has(it.path));
  const swapped = readFileSync(join(lessDir, 'manifest.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','))
    .filter(([, label, technique]) => label === 'fake' && technique.startsWith('less-'))
    .map(([path, , technique, group]) => [`less/${path}`, 'fake', technique, 'test', group]);
  writeFileSync(join(out, 'table6.csv'), csv([...kept.map(row), ...swapped]));
  process.stdout.write(`wrote ${out}/test.csv, sbi-train.csv and table6.csv\n`);
} else {
  process.stdout.write(`wrote ${out}/test.csv and sbi-train.csv; run rfm less-forgery --data ${out}/test.csv --out ${out}/less --size 112, then this script again for table6.csv\n`);
}
