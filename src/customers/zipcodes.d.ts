/** The part of the `zipcodes` package (no type declarations of its own) that address.ts reads. */
declare module 'zipcodes' {
  interface ZipEntry {
    zip: string;
    city: string;
    /** Two-letter code for US ZIPs; the province's name for Canadian FSAs. */
    state: string;
    /** 'US' or 'Canada'. */
    country: string;
  }
  const zipcodes: {
    lookup(zip: string): ZipEntry | undefined;
    codes: Readonly<Record<string, ZipEntry>>;
  };
  export default zipcodes;
}
