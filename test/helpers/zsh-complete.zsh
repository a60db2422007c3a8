# Types each of "$2" "$3" ... followed by Tab at one interactive zsh (in a pseudo-terminal) with the
# completion script $1 loaded, and prints each edited line in turn: what zsh's real completion
# system made of it. One shell for every line: its start (compinit) is most of the cost, and took
# seconds at load. Keys queue in the terminal and zle takes them in order, so the Tab has finished
# before the line is read back; the reads wait for markers the shell prints (computed, so the echoed
# input cannot match them). Emacs keys whatever EDITOR says (zsh picks vi keys when it names vi).
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PS1='> '; bindkey -e; autoload -U compinit; compinit -u -d ${TMPDIR:-/tmp}/handoff-zcompdump-$$; source ${(q)1}; deploy() { :; }; handoff() { :; }; print -r -- READY\$((1+1))"
zpty -r z out '*READY2*'
integer n=0
for line in "${@[2,-1]}"; do
  n+=1
  zpty -w -n z "$line"$'\t'
  zpty -w -n z $'\x01echo LINE=\x05\n'
  zpty -w z "print -r -- END\$((1000+$n))"
  zpty -r z out "*END$((1000+n))*"
  print -r -- "$out" | grep -a "^LINE=" | tail -1 | tr -d "\r"
done
zpty -d z
rm -f ${TMPDIR:-/tmp}/handoff-zcompdump-$$
