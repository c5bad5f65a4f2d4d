// The family a reply is parsed as when the caller names none (the simulator's default model, and the one whose
// tables name the most fields). The node always names one: the setting's, or the one "auto" detected.
import type { Variant } from './variants';

export const DEFAULT_PARSE_VARIANT: Variant = 'pi30max';
