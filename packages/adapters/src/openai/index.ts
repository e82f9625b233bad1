export type { InstrumentOpenAIOptions } from './instrument.js';
export { instrumentOpenAI } from './instrument.js';
export { OPERATION_NAME } from './patch-create.js';
export { inferProvider } from './server.js';
