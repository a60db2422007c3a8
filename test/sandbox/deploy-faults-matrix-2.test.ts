// Fault matrix, part 2: the rows with `file: 2` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(2);
