/**
 * A temp store with snapshot folders written by hand, exactly in the
 * store's layout, so retention and inspection can be tested at any age
 * (capture always stamps the present) and in the original layout.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import type { GitContext } from '../../protocol/index.js';
import { Catalog } from '../../src/store/catalog.js';
import { FsBackend } from '../../src/store/fs-backend.js';
import {
  GIT_CONTEXT_FILE,
  MANIFEST_FILE,
  META_DIR,
  PIN_MARKER,
} from '../../src/store/layout.js';
import {
  MANIFEST_FORMAT,
  serializeManifest,
  type Manifest,
} from '../../src/store/manifest.js';
import { LeaseRegistry } from '../../src/store/leases.js';
import { TrashPurger } from '../../src/store/removal.js';
import type { StoreContext } from '../../src/store/store-context.js';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import { UlidFactory } from '../../src/store/ulid.js';
import { createLogLines, type LogLines } from './log-lines.js';

export interface HandSnapshot {
  jobId: string;
  /** Capture time; now when omitted. */
  createdAtMs?: number;
  /** Artifact name (path inside the snapshot) to content. */
  files?: Record<string, string>;
  git?: GitContext | null;
  pinned?: boolean;
}

export interface WrittenSnapshot {
  jobId: string;
  id: string;
  path: string;
  bytes: number;
}

export interface SnapshotFolders {
  /** A parent folder: the store is `root/store`, outside it is free. */
  root: string;
  storeDir: string;
  write(snapshot: HandSnapshot): Promise<WrittenSnapshot>;
  /** `<job>/<unix seconds>/` with the files and no manifest. */
  writeOriginal(
    jobId: string,
    seconds: number,
    files?: Record<string, string>,
  ): Promise<WrittenSnapshot>;
  dispose(): Promise<void>;
}

const DEFAULT_FILES = {
  'state.json': '{"ok":true}\n',
  'marianne.log': 'done\n',
};

export async function createSnapshotFolders(): Promise<SnapshotFolders> {
  const root = await mkdtemp(join(tmpdir(), 'marianne-retention-'));
  const storeDir = join(root, 'store');
  await mkdir(storeDir, { recursive: true });

  const write = async (snapshot: HandSnapshot): Promise<WrittenSnapshot> => {
    const createdAtMs = snapshot.createdAtMs ?? Date.now();
    const id = new UlidFactory(() => createdAtMs).next();
    const path = join(storeDir, snapshot.jobId, id);
    const files = snapshot.files ?? DEFAULT_FILES;
    const artifacts = await writeFiles(path, files);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      job_id: snapshot.jobId,
      id,
      timestamp: String(Math.floor(createdAtMs / 1000)),
      created_at: new Date(createdAtMs).toISOString(),
      workspace: join(root, 'workspace'),
      artifacts,
      failed: [],
      git: snapshot.git ?? null,
      observer: null,
    };

    await mkdir(join(path, META_DIR), { recursive: true });
    if (snapshot.git) {
      await writeFile(
        join(path, META_DIR, GIT_CONTEXT_FILE),
        JSON.stringify(snapshot.git),
      );
    }
    if (snapshot.pinned) await writeFile(join(path, META_DIR, PIN_MARKER), '');
    await writeFile(
      join(path, META_DIR, MANIFEST_FILE),
      serializeManifest(manifest),
    );
    const bytes = artifacts.reduce((sum, a) => sum + a.bytes, 0);
    return { jobId: snapshot.jobId, id, path, bytes };
  };

  const writeOriginal = async (
    jobId: string,
    seconds: number,
    files: Record<string, string> = DEFAULT_FILES,
  ): Promise<WrittenSnapshot> => {
    const id = String(seconds);
    const path = join(storeDir, jobId, id);
    const artifacts = await writeFiles(path, files);
    const bytes = artifacts.reduce((sum, a) => sum + a.bytes, 0);
    return { jobId, id, path, bytes };
  };

  return {
    root,
    storeDir,
    write,
    writeOriginal,
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

async function writeFiles(
  folder: string,
  files: Record<string, string>,
): Promise<Manifest['artifacts']> {
  const artifacts: Manifest['artifacts'] = [];

  for (const [name, content] of Object.entries(files)) {
    const path = join(folder, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    artifacts.push({
      name,
      bytes: Buffer.byteLength(content),
      sha256: createHash('sha256').update(content).digest('hex'),
      source: join('/workspace', name),
      role: 'workspace',
      mtime_ms: 0,
    });
  }
  return artifacts;
}

/** The parts the store's operations share, built as the manager does. */
/** Hand-written snapshot folders and a store over them, logging to `log`. */
export interface FolderStore {
  folders: SnapshotFolders;
  log: LogLines;
  store: SnapshotManager;
}

/**
 * Gives each test of the calling suite fresh snapshot folders and a store
 * over them (handed to `receive` before the test runs), and closes and
 * removes them after it.
 */
export function useFolderStore(receive: (fixture: FolderStore) => void): void {
  let fixture: FolderStore | undefined;

  beforeEach(async () => {
    const folders = await createSnapshotFolders();
    const log = createLogLines();
    const store = new SnapshotManager({
      baseDir: folders.storeDir,
      logger: log.logger,
    });
    fixture = { folders, log, store };
    receive(fixture);
  });
  afterEach(async () => {
    await fixture?.store.close();
    await fixture?.folders.dispose();
  });
}

export function createStoreContext(
  storeDir: string,
  logger: Logger = pino({ level: 'silent' }),
): StoreContext {
  const backend = new FsBackend(storeDir);
  return {
    backend,
    catalog: new Catalog(backend),
    logger,
    leases: new LeaseRegistry(),
    purger: new TrashPurger({ backend, logger }),
  };
}

/** A workspace folder with the given files, for real captures. */
export async function writeWorkspace(
  folders: SnapshotFolders,
  name: string,
  files: Record<string, string>,
): Promise<string> {
  const path = join(folders.root, name);
  await mkdir(path, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    await writeFile(join(path, file), content);
  }
  return path;
}
