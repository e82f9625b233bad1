/** Kept equal to package.json's version by a test; used as the Meter's version. */
export const VERSION = '0.1.0';
export const METER_NAME = '@genai-metrics/core';
