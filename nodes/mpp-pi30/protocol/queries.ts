// Every PI30 query this package reads, and how its reply is parsed into payload groups.
import { parseQmchgcr, parseQmuchgcr } from './current-options';
import { ENERGY_COMMAND, parseEnergy } from './energy';
import type { Parsed, Part } from './fields';
import { parseQid, parseQmn, parseQpi, parseQvfw, parseQvfw2 } from './identity';
import { parseQbeqi } from './qbeqi';
import { parseQflag } from './qflag';
import { parseQmod } from './qmod';
import { parseQpigs, parseQpigs2 } from './qpigs';
import { parseQdi, parseQpiri } from './qpiri';
import { parseQpiws } from './qpiws';
import { DEFAULT_PARSE_VARIANT, type Variant } from './variants';

/** What a parser may need beyond the reply: the family, and what QPIRI said of the battery voltage. */
export interface ParseContext {
  variant: Variant;
  systemVoltage?: number;
}

type Parser = (text: string, command: string, context: ParseContext) => Parsed<Part>;

const PARSERS: Readonly<Record<string, Parser>> = {
  QPIGS: (text, _command, { variant }) => parseQpigs(text, variant),
  QPIGS2: (text, _command, { variant }) => parseQpigs2(text, variant),
  QPIRI: (text, _command, { variant }) => parseQpiri(text, variant),
  QDI: (text, _command, { variant }) => parseQdi(text, variant),
  QMOD: parseQmod,
  QPIWS: (text, _command, context) => parseQpiws(text, context.variant, context),
  QFLAG: parseQflag,
  QID: parseQid,
  QVFW: parseQvfw,
  QVFW2: parseQvfw2,
  QPI: parseQpi,
  QMN: parseQmn,
  QBEQI: parseQbeqi,
  QMCHGCR: parseQmchgcr,
  QMUCHGCR: parseQmuchgcr,
};

/** A query is Q followed by letters and digits; PI30 setters never start with Q, so queries are always safe. */
export const QUERY_SHAPE = /^Q[A-Z0-9]{1,15}$/;

export function isQuery(command: string): boolean {
  return QUERY_SHAPE.test(command);
}

/**
 * The reply text of `command` as payload groups. A query without a parser (QPGS0, QT, ...) keeps its raw
 * reply in `reply.text`, so any query can be run even where this package names nothing.
 */
export function parseReply(command: string, text: string, context: ParseContext = { variant: DEFAULT_PARSE_VARIANT }): Parsed<Part> {
  if (Object.hasOwn(PARSERS, command)) return PARSERS[command](text, command, context);
  if (ENERGY_COMMAND.test(command)) return parseEnergy(command, text);
  return { values: { reply: { command, text } }, extras: {}, issues: [] };
}
