// Fault matrix, part 4: the rows with `file: 4` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(4);
