// Fault matrix, part 6: the rows with `file: 6` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(6);
