hf_walk() {
  local rest=${1#/} cur="" seg info type owner mode group hops=0 open=""
  hf_ctl=""; hf_type=directory; hf_why=""
  case "/$1/" in */../*) hf_why="$1 has a .. component"; return 1 ;; esac
  while [ -n "$rest" ]; do
    seg=${rest%%/*}
    if [ "$seg" = "$rest" ]; then rest=""; else rest=${rest#*/}; fi
    case "$seg" in
      ""|.) continue ;;
      ..)
        # Only a followed link's target gets here (the path itself was checked): cur is physical
        # (every link on it was resolved), so its parent is the lexical one, walked again from the top.
        if [ -n "$hf_ctl" ]; then hf_why="$cur/.. is inside a directory that $hf_ctl can write: hostform does not act through it"; return 1; fi
        rest="${cur%/*}${rest:+/$rest}"; rest=${rest#/}; cur=""; open=""
        continue ;;
    esac
    cur="$cur/$seg"
    if ! info=$(stat -c '%F|%U|%a|%G' -- "$cur" 2>/dev/null); then hf_type=absent; return 0; fi
    IFS='|' read -r type owner mode group <<<"$info"
    if [ "$owner" != root ] && [ -n "$hf_ctl" ] && [ "$owner" != "$hf_ctl" ]; then
      hf_why="$cur is owned by $owner, inside a directory that $hf_ctl can write: hostform does not act through it"; return 1
    fi
    if [ "$type" = "symbolic link" ]; then
      if [ "$owner" != root ] || [ -n "$hf_ctl" ] || [ -n "$open" ] || [ -z "$rest" ]; then
        hf_why="$cur is a symbolic link (to $(readlink -- "$cur"), owned by $owner)"
        if [ -n "$hf_ctl" ]; then hf_why="$hf_why in a directory that $hf_ctl can write"; fi
        hf_why="$hf_why: hostform does not follow it; remove the link (put the real file or directory back) and run up again"
        return 1
      fi
      hops=$((hops + 1))
      if [ "$hops" -gt 40 ]; then hf_why="$1: too many levels of symbolic links"; return 1; fi
      # One hop only: the target's own components (links the app user may have planted among
      # them) are walked like any other, from the top, so hf_ctl is set where they enter its tree.
      if ! seg=$(readlink -- "$cur") || [ -z "$seg" ]; then hf_why="$cur is a link that does not resolve"; return 1; fi
      case "$seg" in /*) ;; *) seg="${cur%/*}/$seg" ;; esac
      rest="${seg#/}${rest:+/$rest}"; cur=""; open=""
      continue
    fi
    if [ -z "$rest" ]; then hf_type=$type; return 0; fi
    if [ "$type" != directory ]; then hf_why="$cur is a $type, not a directory"; return 1; fi
    if [ "$owner" != root ]; then hf_ctl=$owner; fi
    open=""
    if (( 8#$mode & 8#1000 )); then
      if (( 8#$mode & 8#002 )); then open=yes; fi
    elif (( 8#$mode & 8#002 )); then
      hf_why="$cur can be written by everyone (mode $mode, no sticky bit): hostform does not act below it"; return 1
    elif (( 8#$mode & 8#020 )) && [ "$group" != root ]; then
      hf_why="$cur can be written by the group $group (mode $mode): hostform does not act below it"; return 1
    fi
  done
}
hf_as() {
  local body=$1; shift
  if [ -z "$hf_ctl" ]; then bash -c "$body" hf "$@"; else (cd / && runuser -u "$hf_ctl" -- bash -c "$body" hf "$@"); fi
}
hf_refuse() { echo "hostform: refusing $1: $hf_why" >&2; exit 6; }
