/** The HPKE backends every OHTTP test runs against. */
import { webPrimitives } from '../../../shared/hpke/index.ts';
import type { Primitives } from '../../../shared/hpke/primitives.ts';
import { nodePrimitives } from '../../../shared/hpke/primitives-node.ts';

export const BACKENDS: readonly Primitives[] = [webPrimitives, nodePrimitives];
