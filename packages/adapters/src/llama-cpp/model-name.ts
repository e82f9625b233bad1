import type { ModelLike } from './types.js';

const names = new WeakMap<object, string | undefined>();

/** File name without directories or the .gguf extension: never a path with a home directory in it. */
export function fileBaseName(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return undefined;
  const base = path.split(/[\\/]/).pop() ?? '';
  const name = base.replace(/\.gguf$/i, '');
  return name === '' ? undefined : name;
}

/** `gen_ai.request.model` of a loaded model: GGUF `general.name`, else the file's base name. */
export function modelName(model: ModelLike | undefined): string | undefined {
  if (model === null || typeof model !== 'object') return undefined;
  if (names.has(model)) return names.get(model);
  let name: string | undefined;
  try {
    const general = model.fileInfo?.metadata?.general?.name;
    name =
      typeof general === 'string' && general.trim() !== ''
        ? (fileBaseName(general.trim()) ?? general.trim())
        : fileBaseName(model.filename);
  } catch {
    name = undefined;
  }
  names.set(model, name);
  return name;
}
