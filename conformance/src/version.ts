/** The kit's version, reported with every run (it follows the repository's). */
export const KIT_VERSION = '0.1.0';
