// Fault matrix, part 5: the rows with `file: 5` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(5);
