/**
 * One seed for every property test that does not choose its own, so that CI replays the same runs each time and a
 * failure is a change in the code, not a new draw. FC_SEED explores other seeds (every failure prints the one to
 * replay, with FC_SEED and the path fast-check prints in FC_PATH where a test supports it).
 */
import * as fc from 'fast-check';

fc.configureGlobal({ seed: process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20261130 });
