// A reviewer's decisions made in the creator dashboard (/admin), as a step of a scenario whose
// other steps happen elsewhere (run by crates/cli/tests/it/pages_recipient.rs). One JSON
// argument: base, key (a reviewer or admin API key), campaign, decisions: [{id, decision
// ("approve" or "reject"), reason}]. Prints one JSON object: the page's message for each
// decision, axe violations and overflow of the review queue after them.
import { axe, launch, openPage, screenshots } from './harness.mjs';
import { approve, reject, signIn } from './admin-steps.mjs';

const cfg = JSON.parse(process.argv[2]);
const out = { messages: [], axe: {}, overflow: {}, errors: [] };
const { context, close } = await launch();
try {
  const { page, errors } = await openPage(context);
  const signedIn = await signIn(page, cfg.base, cfg.key);
  if (!signedIn.ok) throw new Error(`sign-in refused: ${signedIn.message}`);
  for (const d of cfg.decisions) {
    out.messages.push(d.decision === 'approve'
      ? await approve(page, cfg.base, cfg.campaign, String(d.id))
      : await reject(page, cfg.base, cfg.campaign, String(d.id), d.reason));
  }
  out.axe.reviewed = await axe(page);
  out.overflow.reviewed = (await screenshots(page, `review-${cfg.campaign}`)).overflow;
  out.errors.push(...errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e)));
} catch (e) {
  out.failure = String(e && e.stack || e);
} finally {
  await close();
}
process.stdout.write(JSON.stringify(out));
