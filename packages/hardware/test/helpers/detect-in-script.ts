/**
 * Run in a child process by nvidia-smi-stalls.test.ts: a script whose only work is to await detection
 * with an nvidia-smi (argv[2]) that takes a moment to answer, and print what it found. Nothing else
 * keeps its event loop alive: the probe itself must, until it answers.
 */
import { detectAccelerators } from '../../src/index.js';

const devices = await detectAccelerators({ providers: ['nvidia-smi'], nvidiaSmi: { path: process.argv[2] } });
process.stdout.write(JSON.stringify(devices.map((d) => d.id)));
