// The command reference (docs/commands.md), written from the command declarations themselves so
// it cannot drift from the code: `node scripts/commands-doc.js` rewrites it; a test compares.
import type { FlagSpec } from '../commands/command.js';
import { GLOBAL_FLAGS, REGISTRY } from './main.js';

function flagRow(f: FlagSpec & { env?: string }): string {
  const extra: string[] = [];
  if (f.choices) extra.push(`one of ${f.choices.map((c) => `\`${c}\``).join(', ')}`);
  if (f.default !== undefined && f.default !== false) extra.push(`default \`${String(f.default)}\``);
  if (f.parse === 'list') extra.push('repeatable');
  if (f.env) extra.push(`env \`${f.env}\``);
  const desc = f.description + (extra.length ? ` (${extra.join('; ')})` : '');
  return `| \`${f.flags}\` | ${desc.replace(/\|/g, '\\|')} |`;
}

export async function commandReference(): Promise<string> {
  let out = '# tshjs command reference\n\n';
  out += 'Generated from the command declarations in `src/commands/` by `node scripts/commands-doc.js`;\n';
  out += 'a test fails when this file is stale. Each command lives in the module named beside it.\n\n';
  out +=
    '## Global flags\n\nAccepted before or after any command, as with tsh.\n\n| flag | meaning |\n|---|---|\n';
  out += `${GLOBAL_FLAGS.map(flagRow).join('\n')}\n`;
  for (const [word, load] of Object.entries(REGISTRY)) {
    const mod = await load();
    for (const def of mod.commands) {
      const usage = [`tshjs ${def.path.join(' ')}`, ...(def.args ?? []).map((a) => a.name)].join(' ');
      out += `\n## \`${usage}\`\n\n${def.description.replace(/\.$/, '')}. Module: \`src/commands/${word}.ts\``;
      if (mod.group?.aliases?.length) out += `; also \`${mod.group.aliases.join('`, `')}\``;
      out += '.\n';
      if (def.args?.length) {
        out += `\n| argument | meaning |\n|---|---|\n`;
        out += `${def.args.map((a) => `| \`${a.name}\` | ${a.description} |`).join('\n')}\n`;
      }
      if (def.flags?.length) out += `\n| flag | meaning |\n|---|---|\n${def.flags.map(flagRow).join('\n')}\n`;
    }
  }
  return out;
}
