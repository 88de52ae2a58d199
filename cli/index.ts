import { Command, CommanderError } from 'commander';
import { authCommands } from './commands/auth.js';
import { processCommands } from './commands/process.js';
import { recordingCommands } from './commands/recordings.js';
import { resourceCommands } from './commands/resources.js';
import { describeError, EXIT } from './output.js';

// `leap`: the LEAP command line, on the typed SDK (sdk/). See docs/cli.md.

export interface GlobalOptions {
  api?: string;
  json: boolean;
}

const program = new Command('leap')
  .description('LEAP from the command line: upload lectures, process them with live progress, fetch the outputs')
  .option('--api <url>', 'GraphQL endpoint (or LEAP_API_URL; default: the API last logged in to)')
  .option('--json', 'machine-readable output', false)
  .showHelpAfterError()
  .exitOverride();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();
authCommands(program, globals);
recordingCommands(program, globals);
processCommands(program, globals);
resourceCommands(program, globals);

try {
  await program.parseAsync(process.argv);
  process.exitCode = EXIT.ok;
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are exits with code 0; usage errors were already printed by commander.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    const { line, exitCode } = describeError(error, program.opts<GlobalOptions>().api ?? process.env.LEAP_API_URL ?? null);
    process.stderr.write(`leap: ${line}\n`);
    process.exitCode = exitCode;
  }
}
