// Fault matrix, part 3: the rows with `file: 3` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(3);
