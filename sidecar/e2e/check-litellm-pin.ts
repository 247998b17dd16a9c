import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A LiteLLM version found in one file, with where it was found. */
export interface PinnedVersion {
  file: string;
  version: string;
}

/** What checkLitellmPin found: every pin, and the problems (empty when all agree). */
export interface PinReport {
  pins: PinnedVersion[];
  problems: string[];
}

/** Files that may name the LiteLLM image; docker-compose.yml is the one place that defines it. */
const IMAGE_FILES = ['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml', 'litellm/Dockerfile'];

/** The stock image, with or without the database variant; the tag is `vX.Y.Z` (older lines had `-stable` suffixes). */
const IMAGE_TAG = /ghcr\.io\/berriai\/litellm(?:-database|-non_root)?:v?(\d+\.\d+\.\d+)[\w.-]*/g;

/** Finds every LiteLLM image tag in the repo's compose and Dockerfiles. */
export function findImagePins(root: string): PinnedVersion[] {
  const pins: PinnedVersion[] = [];
  for (const file of IMAGE_FILES) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    for (const match of readFileSync(path, 'utf8').matchAll(IMAGE_TAG)) pins.push({ file, version: match[1] ?? '' });
  }
  return pins;
}

/** Reads `LITELLM_VERSION="X.Y.Z"` from start.sh (the no-Docker start script), if present. */
export function findScriptPin(root: string, file: string): PinnedVersion | undefined {
  const path = join(root, file);
  if (!existsSync(path)) return undefined;
  const match = /^\s*LITELLM_VERSION="?(\d+\.\d+\.\d+)"?/m.exec(readFileSync(path, 'utf8'));
  return match ? { file, version: match[1] ?? '' } : undefined;
}

/** Reads `litellm==X.Y.Z` (or `litellm[proxy]==X.Y.Z`) from a requirements file. */
export function findRequirementPin(root: string, file: string): PinnedVersion | undefined {
  const path = join(root, file);
  if (!existsSync(path)) return undefined;
  const match = /^litellm(?:\[[\w,-]+\])?==(\S+?)(?:\s|\\|$)/m.exec(readFileSync(path, 'utf8'));
  return match ? { file, version: match[1] ?? '' } : undefined;
}

/** Compares the PyPI pins (requirements.txt, e2e lock, start.sh) with the image tags: they must all name one LiteLLM version. */
export function checkLitellmPin(root: string): PinReport {
  const problems: string[] = [];
  const images = findImagePins(root);
  const requirements = ['requirements.txt', 'sidecar/e2e/requirements.in', 'sidecar/e2e/requirements.lock'].map((file) => {
    const pin = findRequirementPin(root, file);
    if (!pin) problems.push(`${file} has no litellm==X.Y.Z line`);
    return pin;
  });
  const script = findScriptPin(root, 'start.sh');
  const pins = [...images, ...requirements.filter((pin): pin is PinnedVersion => pin !== undefined), ...(script ? [script] : [])];
  if (!images.some((pin) => pin.file.includes('compose'))) {
    problems.push(`no ghcr.io/berriai/litellm:vX.Y.Z image in ${IMAGE_FILES.filter((f) => f.includes('compose')).join(' / ')}`);
  }
  const reference = images.find((pin) => pin.file.includes('compose')) ?? images[0];
  if (reference) {
    for (const pin of pins) {
      if (pin.version !== reference.version) {
        problems.push(`${pin.file} pins LiteLLM ${pin.version} but ${reference.file} uses image tag v${reference.version}`);
      }
    }
  }
  return { pins, problems };
}

if (require.main === module) {
  const root = resolve(__dirname, '../..');
  const report = checkLitellmPin(root);
  for (const pin of report.pins) console.log(`  ${pin.file}: ${pin.version}`);
  if (report.problems.length > 0) {
    for (const problem of report.problems) console.error(`LiteLLM version drift: ${problem}`);
    process.exit(1);
  }
  console.log(`LiteLLM version pin agrees everywhere: ${report.pins[0]?.version}`);
}
