// The page's key guard (web/pages/src/lib/guard.ts, bundled here by the pinned esbuild) on the
// texts given as one JSON argument; prints, for each, what it finds in an address-like field
// and in free text (null when nothing). Run by crates/cli/tests/it/pages_recipient_guard.rs,
// which compares it with the server's guard (airdrop_merkle::guard).
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = await build({
  entryPoints: [join(root, 'web/pages/src/lib/guard.ts')],
  bundle: true, write: false, format: 'esm', logLevel: 'error',
});
const guard = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text));
const texts = JSON.parse(process.argv[2]);
process.stdout.write(JSON.stringify(texts.map((t) => ({ field: guard.secretKind(t), prose: guard.secretKind(t, true) }))));
