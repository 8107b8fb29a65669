import { runEmulatorCommand } from '../../emulator';
import type { CommandIo } from '../io';

/** `mailpolicy emulator …`: the emulator parses its own flags (see `mailpolicy emulator --help`). */
export async function runEmulator(argv: readonly string[], _io: CommandIo): Promise<number> {
  return runEmulatorCommand([...argv]);
}
