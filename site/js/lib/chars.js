// A character as a reader can see it: space, newline and tab get visible symbols.
const VISIBLE = { ' ': '␣', '\n': '⏎', '\t': '⇥' };

export function charLabel(ch) {
  return VISIBLE[ch] ?? ch;
}
