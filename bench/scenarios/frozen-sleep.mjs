/** Issue 9: the server frozen by sleep while GETs arrive open-loop at 20,000/s (see lib/frozen.mjs). */
import { frozenScenario } from '../lib/frozen.mjs';

export default frozenScenario('sleep');
