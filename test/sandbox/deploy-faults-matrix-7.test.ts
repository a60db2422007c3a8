// Fault matrix, part 7: the rows with `file: 7` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(7);
