// The PI30 protocol's firmware families. All three answer QPI with "PI30", yet some fields mean different
// things: each family has its own field tables (a family's table extends the PI30 one), and "auto" tells them
// apart from the answers to QPI, QMN and QVFW.
//
// Specifications (jblance/mpp-solar, docs/protocols/):
//   PI30      PI30_HS_MS_MSX_RS232_Protocol_20140822_after_current_upgrade.pdf,
//             PI30_Communication-Protocol-20150924-Customer.pdf, PI30_PIP-GK_MK-Protocol.pdf
//   PI30MAX   PI30MAX.Communication.Protocol20210217.pdf
//   PI30 Revo PI30REVO.20Protocol.20V03--20201112.pdf

export const VARIANTS = ['pi30', 'pi30max', 'pi30revo'] as const;
export type Variant = (typeof VARIANTS)[number];
/** What the node's setting takes: a family, or `auto`. */
export const VARIANT_SETTINGS = ['auto', ...VARIANTS] as const;
export type VariantSetting = (typeof VARIANT_SETTINGS)[number];

export const VARIANT_LABELS: Readonly<Record<Variant, string>> = { pi30: 'PI30', pi30max: 'PI30MAX', pi30revo: 'PI30 Revo' };

/**
 * The family a reply is parsed as when the caller names none: the simulator's default model, whose tables name
 * the most fields. The node always names one (its setting, or what "auto" found).
 */
export const DEFAULT_PARSE_VARIANT: Variant = 'pi30max';

/** Where "auto" lands when the answers do not point at a family: the protocol the other two extend. */
export const FALLBACK_VARIANT: Variant = 'pi30';

/** What the inverter answered; undefined for NAK (or no data). */
export interface IdentityAnswers {
  qpi?: string;
  qmn?: string;
  qvfw?: string;
}

export interface Detection {
  variant: Variant;
  /** Why, in words, for msg.issues and the log. */
  reason: string;
}

/**
 * Model names of the MAX family as QMN reports them ("MKS2-8000", "MKS2-6500", "MKS2-5200": jblance/mpp-solar
 * issues #306, #512 and the mppsolar/protocols/pi30.py QMN sample, all run with the PI30MAX protocol; Axpert MAX
 * II, VM IV and MKS IV are the models the MAX protocol names).
 */
const MAX_MODEL = /^(MKS ?(2|II|III|IV)\b|VM ?IV\b)|MAX/i;

/**
 * The family from the identity answers:
 * - QPI not "PI30": another protocol; parsed as PI30 and said so.
 * - QMN names a MAX-family model: PI30MAX (QMN is the MAX protocol's "query model name", section 2.21).
 * - QVFW refused: PI30 Revo, the only PI30 family whose protocol (Revo V02) has no firmware query; the Revo
 *   command set of mppsolar/protocols/pi30revo.py has neither QVFW nor QMN either.
 * - anything else: PI30.
 */
export function detectVariant(answers: IdentityAnswers): Detection {
  const qpi = answers.qpi?.trim();
  if (qpi !== 'PI30') {
    const said = qpi === undefined ? 'refused QPI' : `answered QPI with ${JSON.stringify(qpi.slice(0, 20))}`;
    return { variant: FALLBACK_VARIANT, reason: `protocol variant: the inverter ${said}, not PI30; parsing as ${VARIANT_LABELS[FALLBACK_VARIANT]}` };
  }
  const model = answers.qmn?.trim();
  if (model && MAX_MODEL.test(model)) return { variant: 'pi30max', reason: `protocol variant: PI30MAX (QMN model ${JSON.stringify(model)})` };
  if (answers.qvfw === undefined)
    return { variant: 'pi30revo', reason: 'protocol variant: PI30 Revo (QPI says PI30 and QVFW is refused, as on Revo firmware)' };
  const firmware = answers.qvfw.trim();
  return {
    variant: FALLBACK_VARIANT,
    reason: `protocol variant: PI30 (QVFW ${JSON.stringify(firmware)}${model ? `, QMN ${JSON.stringify(model)}` : ', no QMN'})`,
  };
}
