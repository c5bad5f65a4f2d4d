// Everything the node asks of one inverter, over any Exchange: polls of the chosen queries merged into one
// payload, single queries, and setters checked against the inverter's own limits before they are sent.
import { Pi30CommandError, isWrite, type Command } from './commands';
import { energyCommandsFor } from './protocol/energy';
import { RefusedError, type Exchange } from './protocol/exchange';
import { compactPart, type Pi30Value, type Part } from './protocol/fields';
import type { Reply } from './protocol/frame';
import { parseQmchgcr, parseQmuchgcr } from './protocol/current-options';
import { parseQid, parseQmn, parseQpi, parseQvfw } from './protocol/identity';
import { parseQpiri, type Settings } from './protocol/qpiri';
import { parseReply, type ParseContext } from './protocol/queries';
import { checkSetter, contextNeeded, type CheckedSetter, type SetterContext, type SetterRequest } from './protocol/setters';
import {
  DEFAULT_PARSE_VARIANT,
  detectVariant,
  VARIANT_LABELS,
  type Detection,
  type IdentityAnswers,
  type Variant,
  type VariantSetting,
} from './protocol/variants';

/** What a poll can read: a query, or `energy` for the PV and load counters (total and today). */
export const POLL_QUERIES = ['QPIGS', 'QPIGS2', 'QMOD', 'QPIWS', 'QPIRI', 'QFLAG', 'QBEQI', 'QDI', 'energy'] as const;
export type PollQuery = (typeof POLL_QUERIES)[number];
export const DEFAULT_POLL: readonly PollQuery[] = ['QPIGS', 'QMOD', 'QPIWS'];

export type Payload = { timestamp: string } & Record<string, Record<string, Pi30Value> | string>;

export interface Reading {
  payload: Payload;
  /** Odd replies (short, long, unreadable fields, refused queries), in words; the payload has what could be read. */
  issues: string[];
  /** QMOD's mode when it was polled. */
  mode?: string;
  /** The firmware family the replies were read as. */
  variant: Variant;
}

export interface SetterOutcome {
  command: string;
  reply: 'ACK';
  changes: Readonly<Record<string, string | number | boolean>>;
}

export type CommandResult =
  | { kind: 'reading'; reading: Reading }
  | { kind: 'query'; command: string; payload: Payload; issues: string[]; variant: Variant }
  | { kind: 'set'; payload: SetterOutcome | { results: SetterOutcome[] } };

export interface ControllerOptions {
  queries: readonly PollQuery[];
  allowWrites: boolean;
  /** The firmware family, or `auto` to ask QPI, QMN and QVFW once. Default PI30MAX (the node's default is `auto`). */
  variant?: VariantSetting;
  now?: () => Date;
}

const VOLTAGE_SETTINGS = new Set([
  'battery_bulk_voltage',
  'battery_float_voltage',
  'battery_recharge_voltage',
  'battery_redischarge_voltage',
  'battery_under_voltage',
]);

export class Pi30Controller {
  private readonly now: () => Date;
  private serial: string | undefined;
  private identityAsked = false;
  /** Poll queries the inverter refused: models without them are not asked again on every poll. */
  private readonly refused = new Set<PollQuery>();
  /** Set once known: the setting's family, or what `auto` found. */
  private resolved: Detection | undefined;
  /** QPIRI's battery rating voltage, once read: PI30MAX's QPIWS places its fault code by it. */
  private systemVoltage: number | undefined;
  private systemVoltageAsked = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly options: ControllerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** The family replies are read as, once known, and why (for `auto`: which answers told it). */
  get detection(): Detection | undefined {
    return this.resolved;
  }

  /** The serial number from QID, once the inverter has told it. */
  get serialNumber(): string | undefined {
    return this.serial;
  }

  async poll(): Promise<Reading> {
    const merged: Part = {};
    const extras: Record<string, string> = {};
    const issues: string[] = [];
    const variant = await this.variant();
    if (!this.identityAsked) await this.identify(issues);
    for (const query of this.options.queries) {
      if (this.refused.has(query)) continue;
      for (const command of this.commandsOf(query)) {
        const reply = await this.exchange(command);
        if (reply.kind !== 'data') {
          this.refused.add(query);
          issues.push(
            `${command} ${reply.kind === 'nak' ? 'refused (NAK)' : 'answered ACK instead of data'}: this inverter does not answer it, so later polls leave it out`,
          );
          break;
        }
        const parsed = await this.parse(command, reply.text, variant);
        mergeInto(merged, parsed.values);
        Object.assign(extras, parsed.extras);
        issues.push(...parsed.issues);
      }
    }
    const payload = this.payloadOf(merged, extras);
    return { payload, issues, mode: typeof payload.mode === 'string' ? payload.mode : undefined, variant };
  }

  /** The family replies are read as; `auto` asks QPI, QMN and QVFW the first time (a NAK is an answer too). */
  async variant(): Promise<Variant> {
    if (this.resolved) return this.resolved.variant;
    const setting = this.options.variant ?? DEFAULT_PARSE_VARIANT;
    if (setting !== 'auto') {
      this.resolved = { variant: setting, reason: `protocol variant: ${VARIANT_LABELS[setting]} (set in the node)` };
      return setting;
    }
    // A transport failure rejects here and detection runs again next time; only answers (a NAK too) decide.
    const ask = async (query: string, read: (text: string) => string | undefined) => {
      const reply = await this.exchange(query);
      return reply.kind === 'data' ? (read(reply.text) ?? reply.text.trim()) : undefined;
    };
    const answers: IdentityAnswers = {
      qpi: await ask('QPI', (text) => parseQpi(text).values.inverter.protocol),
      qmn: await ask('QMN', (text) => parseQmn(text).values.inverter.model),
      qvfw: await ask('QVFW', (text) => parseQvfw(text).values.inverter.firmware_main),
    };
    this.resolved = detectVariant(answers);
    return this.resolved.variant;
  }

  /**
   * One reply parsed as `variant`. A PI30MAX QPIWS with something in bits 31-34 needs the battery rating
   * voltage (24 V and 48 V models put the fault code in different places): QPIRI is read once for it.
   */
  private async parse(command: string, text: string, variant: Variant) {
    const context: ParseContext = { variant, systemVoltage: this.systemVoltage };
    let parsed = parseReply(command, text, context);
    if (command === 'QPIRI') this.noteSystemVoltage(parsed.values.settings);
    if (command === 'QPIWS' && variant === 'pi30max' && 'qpiws_31_34' in parsed.extras && !this.systemVoltageAsked) {
      this.systemVoltageAsked = true;
      const reply = await this.exchange('QPIRI');
      if (reply.kind === 'data') this.noteSystemVoltage(parseQpiri(reply.text, variant).values.settings);
      if (this.systemVoltage !== undefined) parsed = parseReply(command, text, { variant, systemVoltage: this.systemVoltage });
    }
    return parsed;
  }

  private noteSystemVoltage(settings: unknown): void {
    const volts = typeof settings === 'object' && settings !== null ? (settings as Settings).battery_rating_voltage : undefined;
    if (typeof volts === 'number') this.systemVoltage = volts;
  }

  async run(command: Command): Promise<CommandResult> {
    if (isWrite(command) && !this.options.allowWrites) {
      const what = command.kind === 'setter' ? `"${command.command}"` : '"set"';
      throw new Pi30CommandError(`${what} changes the inverter; tick "allow writes" in the node to enable it`);
    }
    switch (command.kind) {
      case 'poll':
        return { kind: 'reading', reading: await this.poll() };
      case 'query':
        return this.query(command.command);
      case 'setter':
        return { kind: 'set', payload: await this.apply(command.request) };
      case 'set': {
        const results: SetterOutcome[] = [];
        for (const request of command.requests) {
          try {
            results.push(await this.apply(request));
          } catch (err) {
            if (results.length === 0 || !(err instanceof Error)) throw err;
            err.message += ` (after ${results.map((r) => r.command).join(', ')} had been accepted)`;
            throw err;
          }
        }
        return { kind: 'set', payload: results.length === 1 ? results[0] : { results } };
      }
    }
  }

  private async query(command: string): Promise<CommandResult> {
    const variant = await this.variant();
    const reply = await this.exchange(command);
    if (reply.kind === 'nak') throw new RefusedError(`inverter refused ${command} (NAK): this model does not answer it`);
    if (reply.kind === 'ack') throw new RefusedError(`inverter answered ${command} with ACK instead of data`);
    const parsed = await this.parse(command, reply.text, variant);
    if (command === 'QID' && typeof parsed.values.inverter === 'object') {
      const serial = parsed.values.inverter.serial_number;
      if (typeof serial === 'string') this.serial = serial;
    }
    return { kind: 'query', command, payload: this.payloadOf(parsed.values, parsed.extras), issues: parsed.issues, variant };
  }

  private async apply(request: SetterRequest): Promise<SetterOutcome> {
    const variant = await this.variant();
    const context = { ...(await this.contextFor(request, variant)), variant };
    const checked = checkSetter(request, context);
    const reply = await this.exchange(checked.command);
    if (reply.kind === 'ack') return { command: checked.command, reply: 'ACK', changes: checked.changes };
    if (reply.kind === 'data')
      throw new RefusedError(`inverter answered ${checked.command} with data instead of ACK/NAK: ${reply.text.slice(0, 40)}`);
    throw new RefusedError(`inverter refused ${checked.command} (NAK)${refusalHint(checked, context.settings)}`);
  }

  private async contextFor(request: SetterRequest, variant: Variant): Promise<SetterContext> {
    // Revo firmware takes no PI30 setter: nothing to read before checkSetter refuses it.
    if (variant === 'pi30revo') return {};
    switch (contextNeeded(request)) {
      case 'settings':
        return { settings: await this.settings(variant) };
      case 'charging-currents':
        return { chargingCurrents: await this.list('QMCHGCR', (text) => parseQmchgcr(text).values.options.max_charging_current) };
      case 'utility-charging-currents':
        return { utilityChargingCurrents: await this.list('QMUCHGCR', (text) => parseQmuchgcr(text).values.options.max_utility_charging_current) };
      default:
        return {};
    }
  }

  private async settings(variant: Variant): Promise<Settings | undefined> {
    const reply = await this.exchange('QPIRI');
    return reply.kind === 'data' ? parseQpiri(reply.text, variant).values.settings : undefined;
  }

  private async list(query: string, parse: (text: string) => number[] | undefined): Promise<number[] | undefined> {
    const reply: Reply = await this.exchange(query);
    return reply.kind === 'data' ? parse(reply.text) : undefined;
  }

  private async identify(issues: string[]): Promise<void> {
    const reply = await this.exchange('QID');
    this.identityAsked = true;
    if (reply.kind !== 'data') {
      issues.push('QID refused: the inverter gives no serial number, so msg.device comes from the node settings');
      return;
    }
    const parsed = parseQid(reply.text);
    this.serial = parsed.values.inverter.serial_number;
    issues.push(...parsed.issues);
  }

  private commandsOf(query: PollQuery): string[] {
    if (query !== 'energy') return [query];
    const now = this.now();
    // The inverter counts days on its own (local) clock; the host's local date is the best guess of it.
    const { day } = energyCommandsFor({ year: now.getFullYear(), month: now.getMonth() + 1, day: now.getDate() });
    return ['QET', 'QLT', `QED${day}`, `QLD${day}`];
  }

  private payloadOf(part: Part, extras: Record<string, string>): Payload {
    const payload: Payload = { timestamp: this.now().toISOString(), ...compactPart(part) };
    if (Object.keys(extras).length > 0) payload.extras = { ...extras };
    return payload;
  }
}

function mergeInto(target: Part, part: Part): void {
  for (const [key, value] of Object.entries(part)) {
    const existing = target[key];
    if (typeof value === 'object' && typeof existing === 'object') target[key] = { ...existing, ...value };
    else if (value !== undefined) target[key] = value;
  }
}

function refusalHint(checked: CheckedSetter, settings: Settings | undefined): string {
  const changed = Object.keys(checked.changes);
  if (changed.some((s) => VOLTAGE_SETTINGS.has(s)) && settings?.battery_type && settings.battery_type !== 'user') {
    return `; battery voltages are usually only taken with battery_type "user" (it is "${settings.battery_type}")`;
  }
  return '';
}
