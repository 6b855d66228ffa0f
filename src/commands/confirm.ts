import { createInterface } from 'node:readline/promises';

/**
 * Spending Twilio's fees needs the operator's word: `--yes`, or an answer on a terminal. Without a
 * terminal and without `--yes` nothing is done, and the command exits 2 saying to add `--yes`.
 */

export type Confirmation = 'yes' | 'declined' | 'needs --yes';

/** `spends`: how many charged submissions the command would make; with none it goes ahead after saying so. */
export async function confirmSpend(
  summary: string,
  spends: number,
  opts: { yes: boolean; command: string; isTTY?: boolean; input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream },
): Promise<Confirmation> {
  const output = opts.output ?? process.stderr;
  output.write(`${summary}\n`);
  if (opts.yes || spends === 0) return 'yes';
  const tty = opts.isTTY ?? Boolean(process.stdin.isTTY && process.stderr.isTTY);
  if (!tty) {
    output.write(`Nothing done. To go ahead, run it again with --yes: ${opts.command} --yes\n`);
    return 'needs --yes';
  }
  const rl = createInterface({ input: opts.input ?? process.stdin, output });
  try {
    const answer = (await rl.question('Go ahead? Type yes to continue: ')).trim().toLowerCase();
    if (answer === 'yes' || answer === 'y') return 'yes';
    output.write('Nothing done.\n');
    return 'declined';
  } finally {
    rl.close();
  }
}
