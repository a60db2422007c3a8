// Fault matrix, part 8: the rows with `file: 8` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(8);
