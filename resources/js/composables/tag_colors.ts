/**
 * Tailwind classes for the tag colour names of Settings → Tags (written
 * out in full so Tailwind keeps them): the pill, a solid swatch and a
 * statistics bar. Unknown names fall back to slate.
 */
type ColorClasses = { pill: string; swatch: string; bar: string }

const PALETTE: Record<string, ColorClasses> = {
  slate: { pill: 'bg-slate-100 text-slate-800', swatch: 'bg-slate-500', bar: 'bg-slate-400' },
  red: { pill: 'bg-red-100 text-red-800', swatch: 'bg-red-500', bar: 'bg-red-400' },
  orange: { pill: 'bg-orange-100 text-orange-800', swatch: 'bg-orange-500', bar: 'bg-orange-400' },
  amber: { pill: 'bg-amber-100 text-amber-800', swatch: 'bg-amber-500', bar: 'bg-amber-400' },
  yellow: { pill: 'bg-yellow-100 text-yellow-800', swatch: 'bg-yellow-500', bar: 'bg-yellow-400' },
  lime: { pill: 'bg-lime-100 text-lime-800', swatch: 'bg-lime-500', bar: 'bg-lime-400' },
  green: { pill: 'bg-green-100 text-green-800', swatch: 'bg-green-500', bar: 'bg-green-400' },
  emerald: {
    pill: 'bg-emerald-100 text-emerald-800',
    swatch: 'bg-emerald-500',
    bar: 'bg-emerald-400',
  },
  teal: { pill: 'bg-teal-100 text-teal-800', swatch: 'bg-teal-500', bar: 'bg-teal-400' },
  cyan: { pill: 'bg-cyan-100 text-cyan-800', swatch: 'bg-cyan-500', bar: 'bg-cyan-400' },
  sky: { pill: 'bg-sky-100 text-sky-800', swatch: 'bg-sky-500', bar: 'bg-sky-400' },
  blue: { pill: 'bg-blue-100 text-blue-800', swatch: 'bg-blue-500', bar: 'bg-blue-400' },
  indigo: { pill: 'bg-indigo-100 text-indigo-800', swatch: 'bg-indigo-500', bar: 'bg-indigo-400' },
  violet: { pill: 'bg-violet-100 text-violet-800', swatch: 'bg-violet-500', bar: 'bg-violet-400' },
  purple: { pill: 'bg-purple-100 text-purple-800', swatch: 'bg-purple-500', bar: 'bg-purple-400' },
  fuchsia: {
    pill: 'bg-fuchsia-100 text-fuchsia-800',
    swatch: 'bg-fuchsia-500',
    bar: 'bg-fuchsia-400',
  },
  pink: { pill: 'bg-pink-100 text-pink-800', swatch: 'bg-pink-500', bar: 'bg-pink-400' },
  rose: { pill: 'bg-rose-100 text-rose-800', swatch: 'bg-rose-500', bar: 'bg-rose-400' },
}

export function tagColorClasses(color: string): ColorClasses {
  return PALETTE[color] ?? PALETTE.slate
}
