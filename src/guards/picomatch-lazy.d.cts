import type picomatch from 'picomatch';
declare function loadPicomatch(): typeof picomatch;
export = loadPicomatch;
