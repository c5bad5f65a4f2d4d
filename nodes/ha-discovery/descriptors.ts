// Finds a device type's descriptor: the `haEntities` export of nodes/<type>/ha-entities.ts, beside the device
// node's engine. A type without one (or a topic that names no type of this package) gets the generic guess.
import type { DeviceDescriptor } from './descriptor';

const TYPE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const cache = new Map<string, DeviceDescriptor | undefined>();

export function descriptorOf(type: string): DeviceDescriptor | undefined {
  if (!TYPE_NAME.test(type) || type === 'ha-discovery') return undefined;
  if (cache.has(type)) return cache.get(type);
  let descriptor: DeviceDescriptor | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(`../${type}/ha-entities`) as { haEntities?: DeviceDescriptor };
    descriptor = loaded.haEntities;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  cache.set(type, descriptor);
  return descriptor;
}
