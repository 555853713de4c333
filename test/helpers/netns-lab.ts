/** The network-namespace lab moved to cli/lab/netns-lab.ts (the chaos `lab` target uses it too). */
export { labUnavailable, NetnsLab, type LabNode } from '../../cli/lab/netns-lab.js';
