// How src/cli/main.ts turns declarations into commander commands: a command's own short flag wins
// over a global flag of the same letter (kube exec -it), hidden flags and commands stay out of
// help, and a command's aliases run it. A test module is put into the real REGISTRY and run
// through run(), so the real parser is what is tested.
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { REGISTRY, flagWords, globalFlagsFor, run } from '../../../src/cli/main.js';
import { defineCommand, type CommandModule } from '../../../src/commands/command.js';
import type { CommandContext } from '../../../src/commands/context.js';

interface Seen {
  args: unknown[];
  flags: Record<string, unknown>;
  globals: CommandContext['globals'];
}
let seen: Seen | undefined;

const probe = defineCommand<Seen>({
  path: ['probe', 'exec'],
  description: 'Probe',
  aliases: ['run', 'x'],
  args: [
    { name: '<target>', description: 'target' },
    { name: '[command...]', description: 'command' },
  ],
  flags: [
    { flags: '-s, --stdin', description: 'Pass stdin' },
    { flags: '-i', description: 'Pass stdin (kubectl spelling)' },
    { flags: '-t, --tty', description: 'Stdin is a TTY' },
    { flags: '--old-name <v>', description: 'Kept for compatibility', hidden: true },
  ],
  passThrough: true,
  options: (args, flags) => ({ args, flags, globals: {} }),
  run: async (o, ctx) => {
    seen = { ...o, globals: ctx.globals };
    return 0;
  },
});
const secret = defineCommand<object>({
  path: ['probe', 'secret'],
  description: 'Hidden probe',
  hidden: true,
  options: () => ({}),
  run: async () => 7,
});
const plain = defineCommand<Seen>({
  path: ['probe', 'plain'],
  description: 'Probe without own -i',
  options: (args, flags) => ({ args, flags, globals: {} }),
  run: async (o, ctx) => {
    seen = { ...o, globals: ctx.globals };
    return 0;
  },
});
const probeModule: CommandModule = {
  group: { name: 'probe', description: 'Probe group' },
  commands: [probe, secret, plain],
};
REGISTRY.probe = async () => probeModule;
afterAll(() => {
  delete REGISTRY.probe;
});

async function tshjs(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  seen = undefined;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const io = { stdin: Readable.from([]), stdout, stderr, env: { TELEPORT_HOME: '/nonexistent-tshjs-home' } };
  const code = await run(argv, io);
  return { code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
}

describe('flagWords / globalFlagsFor', () => {
  it('splits a declaration into its option words', () => {
    expect(flagWords('-i, --identity <file>')).toEqual(['-i', '--identity']);
    expect(flagWords('-T, --no-tty')).toEqual(['-T', '--no-tty']);
    expect(flagWords('--insecure')).toEqual(['--insecure']);
  });

  it('drops only the taken word of a global flag, keeping its long form and value', () => {
    const g = globalFlagsFor([{ flags: '-i', description: '' }]);
    expect(g.find((f) => f.flags.includes('--identity'))?.flags).toBe('--identity <file>');
    expect(g.find((f) => f.flags.includes('--login'))?.flags).toBe('-l, --login <login>');
    expect(globalFlagsFor([]).map((f) => f.flags)).toContain('-i, --identity <file>');
  });
});

describe('a command’s own short flag wins over a global one', () => {
  it('-it is stdin + tty for the command, not the identity file', async () => {
    const r = await tshjs('probe', 'exec', '-it', 'pod-0', '--', 'sh', '-c', 'echo hi');
    expect(r.code).toBe(0);
    expect(seen?.flags).toMatchObject({ i: true, tty: true });
    expect(seen?.globals.identity).toBeUndefined();
    expect(seen?.args[0]).toBe('pod-0');
    expect(seen?.args[1]).toEqual(['--', 'sh', '-c', 'echo hi']);
  });

  it('-s and -t separately; --identity still reaches the globals after the command', async () => {
    await tshjs('probe', 'exec', '-s', '-t', '--identity', '/tmp/id.pem', 'pod-0', 'ls');
    expect(seen?.flags).toMatchObject({ stdin: true, tty: true });
    expect(seen?.globals.identity).toBe('/tmp/id.pem');
  });

  it('global -i before the command word is still the identity file', async () => {
    await tshjs('-i', '/tmp/id.pem', 'probe', 'exec', 'pod-0', 'ls');
    expect(seen?.globals.identity).toBe('/tmp/id.pem');
    expect(seen?.flags.i).toBeUndefined();
  });

  it('a command without its own -i keeps the global -i after its words', async () => {
    await tshjs('probe', 'plain', '-i', '/tmp/id.pem');
    expect(seen?.globals.identity).toBe('/tmp/id.pem');
  });
});

describe('hidden flags and commands, aliases', () => {
  it('a hidden flag parses but is not in help', async () => {
    await tshjs('probe', 'exec', '--old-name', 'v1', 'pod-0', 'ls');
    expect(seen?.flags.oldName).toBe('v1');
    const help = await tshjs('probe', 'exec', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--stdin');
    expect(help.out).not.toContain('--old-name');
    // the help of the command shows the global identity flag by its long name only
    expect(help.out).toContain('--identity <file>');
    expect(help.out).not.toMatch(/-i, --identity/);
  });

  it('a hidden command runs but is not listed in its group’s help', async () => {
    expect((await tshjs('probe', 'secret')).code).toBe(7);
    const help = await tshjs('probe', '--help');
    expect(help.out).toContain('exec');
    expect(help.out).not.toContain('secret');
  });

  it('an alias runs the command and shows in help', async () => {
    await tshjs('probe', 'x', 'pod-1', 'ls');
    expect(seen?.args[0]).toBe('pod-1');
    await tshjs('probe', 'run', 'pod-2', 'ls');
    expect(seen?.args[0]).toBe('pod-2');
    const help = await tshjs('probe', '--help');
    expect(help.out).toMatch(/exec\|run/);
  });
});
